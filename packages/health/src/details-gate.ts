import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/

/** What the gate reads of a request: its headers and the socket's peer address. */
export interface GateRequest {
  readonly headers: IncomingHttpHeaders
  readonly remoteAddress: string | undefined
}

export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address)
}

/**
 * Decides whether a probe may show details (observed values, outputs, pool and capacity figures, startup errors).
 * With a token: only `Authorization: Bearer <token>`, compared in constant time. Without one: only requests from
 * loopback that no proxy forwarded (a sidecar on loopback forwarding outside traffic must not count as local).
 */
export function createDetailsGate(token: string | undefined): (request: GateRequest) => boolean {
  if (token !== undefined && token !== '') {
    const expected = digest(token)
    return ({ headers }) => {
      const header = headers.authorization
      if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false
      return timingSafeEqual(digest(header.slice(7).trim()), expected)
    }
  }
  return ({ headers, remoteAddress }) =>
    isLoopbackAddress(remoteAddress) &&
    headers['x-forwarded-for'] === undefined &&
    headers.forwarded === undefined
}

// Hashing first gives equal lengths, so the comparison's time says nothing about the token's length either.
const digest = (value: string) => createHash('sha256').update(value).digest()
