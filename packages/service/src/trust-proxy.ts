import type { IncomingMessage } from 'node:http'
import proxyAddr from '@fastify/proxy-addr'
import { z } from 'zod'

/** The named ranges `TRUST_PROXY` accepts besides addresses and CIDRs (proxy-addr's names). */
export const TRUST_PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'] as const

/**
 * Who may say where a request came from (`X-Forwarded-For`, `-Proto`, `-Host`): nobody, the `hops` nearest
 * proxies whatever their address, or peers whose address is in `addresses` (IPs, CIDRs, `loopback`…).
 */
export type TrustProxy =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'addresses'; readonly addresses: readonly string[] }

/** What `TRUST_PROXY` means when unset: only a proxy on this host (a sidecar, the local frontend). */
export const TRUST_PROXY_DEFAULT = 'loopback'

/**
 * Parses `TRUST_PROXY`: `none`; a hop count (`1` behind one load balancer every request passes through); or a
 * comma list of addresses, CIDRs and `loopback`/`linklocal`/`uniquelocal`. `true` (trust anyone) is refused:
 * it lets every client choose its own address, and with it its rate-limit bucket.
 */
export function parseTrustProxy(text: string): TrustProxy {
  const value = text.trim().toLowerCase()
  if (value === 'none' || value === 'false' || value === '0') return { kind: 'none' }
  if (/^\d+$/.test(value)) return { kind: 'hops', hops: Number(value) }
  if (value === 'true' || value === '*')
    throw new Error('trusting every proxy lets clients pick their own address: give a hop count or addresses')
  const addresses = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  if (addresses.length === 0) throw new Error('is empty')
  proxyAddr.compile(addresses) // throws on an address or CIDR it cannot parse
  return { kind: 'addresses', addresses }
}

/** `TRUST_PROXY` as a zod piece: spread `{ TRUST_PROXY: trustProxy }` into a service's schema. */
export const trustProxy = z
  .string()
  .default(TRUST_PROXY_DEFAULT)
  .transform((text, context): TrustProxy => {
    try {
      return parseTrustProxy(text)
    } catch (error) {
      context.addIssue({
        code: 'custom',
        message: `must be none, a hop count, or a comma list of addresses, CIDRs and ${TRUST_PROXY_RANGES.join('/')} (${(error as Error).message})`,
      })
      return z.NEVER
    }
  })

/** The `(address, hop) => trusted` function Fastify's `trustProxy` option and proxy-addr take. */
export function trustFunction(trust: TrustProxy): (address: string, hop: number) => boolean {
  if (trust.kind === 'none') return () => false
  if (trust.kind === 'hops') {
    const { hops } = trust
    return (_address, hop) => hop < hops
  }
  return proxyAddr.compile([...trust.addresses])
}

/**
 * The client's address as a trusting proxy chain reports it: the socket's peer, unless it is trusted, then the
 * `X-Forwarded-For` entries from the right, stopping at the first one that is not trusted. What Fastify's
 * `request.ip` gives with the same `trustProxy`, for code that only has the raw request (a WebSocket upgrade).
 */
export function clientAddress(request: IncomingMessage, trust: TrustProxy): string {
  return proxyAddr(request, trustFunction(trust))
}
