import type { IncomingMessage } from 'node:http'
import proxyAddr from '@fastify/proxy-addr'
import { z } from 'zod'
import { familyTrustedInFull } from './trust-proxy-coverage.js'

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

/**
 * The most proxy hops `TRUST_PROXY` may trust. Tarmac's deepest chain is 2 (Cloud Run: Google's front end
 * appending the load balancer's or the frontend's entry, docs/deploy.md); 5 leaves room for a CDN or a mesh in
 * front. A count like 100 trusts whatever a client writes at the far end of `X-Forwarded-For`, the same as
 * trusting everyone.
 */
export const TRUST_PROXY_MAX_HOPS = 5

/** What `TRUST_PROXY` means when unset: only a proxy on this host (a sidecar, the local frontend). */
export const TRUST_PROXY_DEFAULT = 'loopback'

/**
 * Parses `TRUST_PROXY`: `none`; a hop count (`1` behind one load balancer every request passes through); or a
 * comma list of addresses, CIDRs and `loopback`/`linklocal`/`uniquelocal`. Trusting anyone is refused, however
 * it is spelled — `true`, a hop count above `TRUST_PROXY_MAX_HOPS`, or CIDRs that together cover all of IPv4 or
 * IPv6 (`0.0.0.0/1,128.0.0.0/1`): it lets every client choose its own address, and with it its rate-limit bucket.
 */
export function parseTrustProxy(text: string): TrustProxy {
  const value = text.trim().toLowerCase()
  if (value === 'none' || value === 'false' || value === '0') return { kind: 'none' }
  if (/^\d+$/.test(value)) {
    const hops = Number(value)
    if (hops > TRUST_PROXY_MAX_HOPS)
      throw new Error(`${hops} hops trusts what clients write themselves: at most ${TRUST_PROXY_MAX_HOPS}`)
    return { kind: 'hops', hops }
  }
  if (value === 'true' || value === '*')
    throw new Error('trusting every proxy lets clients pick their own address: give a hop count or addresses')
  const addresses = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  if (addresses.length === 0) throw new Error('is empty')
  proxyAddr.compile(addresses) // throws on an address or CIDR it cannot parse
  const family = familyTrustedInFull(addresses)
  if (family) throw new Error(`together these trust every ${family} address: name the proxies' ranges`)
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
