import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { HttpError } from '@tarmac/service'
import { clientIpKeyOf } from './client-ip-key.js'
import type { HitCounter } from './hit-counter.js'
import { normalizeEmail } from './identity.js'

/** The rate-limited route groups and what each is counted by. */
export const RATE_LIMIT_GROUPS = {
  login: ['ip', 'account'],
  signup: ['ip', 'account'],
  refresh: ['ip'],
  logout: ['ip'],
} as const satisfies Record<string, readonly ('ip' | 'account')[]>

export type RateLimitGroup = keyof typeof RATE_LIMIT_GROUPS

/** Attempts per client IP and per account (login, signup), and per client IP for refresh and logout. */
export interface RateLimitOptions {
  readonly windowMs: number
  readonly perIp: number
  readonly perAccount: number
  readonly refreshPerIp: number
  /** IPv6 clients are counted per network of this many bits (`RATE_LIMIT_IPV6_PREFIX`). */
  readonly ipv6PrefixBits: number
}

/**
 * The account an attempt counts against: the email exactly as the account lookup normalises it, so
 * `v@exam\u00ADple.com` and `v@example。com` (which log into `v@example.com`) share its bucket. An email the
 * lookup refuses matches no account; it is counted under its folded text.
 */
export function accountKeyOf(email: unknown): string {
  if (typeof email !== 'string') return ''
  try {
    return normalizeEmail(email)
  } catch {
    return `invalid:${email.normalize('NFC').trim().toLowerCase().slice(0, 320)}`
  }
}

const emailOf = (request: FastifyRequest) => (request.body as { email?: unknown } | undefined)?.email

/**
 * Returns the `preHandler` factory of one route group, counting in `counter` (Redis shared by the fleet, or
 * this instance's memory: `createRateLimitCounter`). The client IP is `request.ip` — the socket's peer unless
 * `TRUST_PROXY` trusts it — with IPv6 grouped by its network. Over any limit → 429 `RATE_LIMITED` with
 * `retry-after`. Every attempt counts, so a flood of wrong passwords for one account is cut off whichever IPs it
 * comes from; the IP is counted first, so a client over its IP limit adds nothing to the accounts it tries.
 */
export function rateLimitsWith(
  counter: HitCounter,
  options: RateLimitOptions,
): (group: RateLimitGroup) => preHandlerAsyncHookHandler {
  const perIpOf = (group: RateLimitGroup) =>
    group === 'refresh' || group === 'logout' ? options.refreshPerIp : options.perIp
  const keyOf = (group: RateLimitGroup, by: 'ip' | 'account', request: FastifyRequest) =>
    by === 'account'
      ? `${group}:account:${accountKeyOf(emailOf(request))}`
      : `${group}:ip:${clientIpKeyOf(request.ip, options.ipv6PrefixBits)}`
  return (group) => async (request) => {
    for (const by of RATE_LIMIT_GROUPS[group]) {
      const max = by === 'account' ? options.perAccount : perIpOf(group)
      const { count, resetInMs } = await counter.hit(keyOf(group, by, request), options.windowMs)
      if (count > max) {
        const retryAfterS = Math.max(1, Math.ceil(resetInMs / 1000))
        throw new HttpError('RATE_LIMITED', `too many attempts; retry in ${retryAfterS} s`, { retryAfterS })
      }
    }
  }
}
