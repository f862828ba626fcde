import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/
/** Host names that only ever mean this machine: `localhost` and its subdomains (RFC 6761), loopback literals. */
const LOOPBACK_HOST =
  /^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)*\.localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/

/** What the gate reads of a request: its headers and the socket's peer address. */
export interface GateRequest {
  readonly headers: IncomingHttpHeaders
  readonly remoteAddress: string | undefined
}

export interface DetailsGateOptions {
  /**
   * Host names, besides loopback ones, that a loopback caller may use without a token (lower case, no port).
   * Default none.
   */
  readonly allowedHosts?: readonly string[]
}

export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address)
}

/** The name in a `Host` header, lower-cased and without its port: `LOCALHOST:3000` → `localhost`, `[::1]:80` → `[::1]`. */
export function hostNameOf(host: string): string {
  const name = host.trim().toLowerCase()
  if (name.startsWith('[')) return name.slice(0, name.indexOf(']') + 1)
  const colon = name.indexOf(':')
  return (colon === -1 ? name : name.slice(0, colon)).replace(/\.$/, '')
}

/**
 * Whether a request's `Host` names this machine (or an allowed name). A page on `evil.example` that DNS rebinding
 * pointed at 127.0.0.1 reaches loopback from the developer's own browser, but its requests still say
 * `Host: evil.example`. A request without `Host` (HTTP/1.0, a raw socket) is no browser's, and passes.
 */
export function isLoopbackHost(host: string | undefined, allowedHosts: readonly string[] = []): boolean {
  if (host === undefined) return true
  const name = hostNameOf(host)
  return LOOPBACK_HOST.test(name) || allowedHosts.includes(name)
}

/**
 * Decides whether a probe may show details (observed values, outputs, pool and capacity figures, startup errors).
 * With a token: only `Authorization: Bearer <token>`, compared in constant time. Without one: only requests from
 * loopback that no proxy forwarded (a sidecar on loopback forwarding outside traffic must not count as local),
 * and whose `Host` is a loopback name (or an allowed one) — DNS rebinding cannot pass.
 */
export function createDetailsGate(
  token: string | undefined,
  options: DetailsGateOptions = {},
): (request: GateRequest) => boolean {
  if (token !== undefined && token !== '') {
    const expected = digest(token)
    return ({ headers }) => {
      const header = headers.authorization
      if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false
      return timingSafeEqual(digest(header.slice(7).trim()), expected)
    }
  }
  const allowedHosts = (options.allowedHosts ?? []).map((name) => name.toLowerCase())
  return ({ headers, remoteAddress }) =>
    isLoopbackAddress(remoteAddress) &&
    headers['x-forwarded-for'] === undefined &&
    headers.forwarded === undefined &&
    isLoopbackHost(headers.host, allowedHosts)
}

// Hashing first gives equal lengths, so the comparison's time says nothing about the token's length either.
const digest = (value: string) => createHash('sha256').update(value).digest()
