import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { HttpError } from '@tarmac/service'
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
 * Registers `@fastify/rate-limit` (in-memory, per instance) and returns a `preHandler` factory for one route
 * group. The client IP is `request.ip`: the socket's peer unless `TRUST_PROXY` trusts it. Over any limit → 429
 * `RATE_LIMITED` with `retry-after`. Every attempt counts, so a flood of wrong passwords for one account is cut
 * off whichever IPs it comes from.
 */
export async function installRateLimits(
  app: FastifyInstance,
  options: RateLimitOptions,
): Promise<(group: RateLimitGroup) => preHandlerAsyncHookHandler> {
  await app.register(rateLimit, { global: false })
  const perIpOf = (group: RateLimitGroup) =>
    group === 'refresh' || group === 'logout' ? options.refreshPerIp : options.perIp
  const limiterOf = (group: RateLimitGroup, by: 'ip' | 'account') =>
    app.createRateLimit({
      max: by === 'account' ? options.perAccount : perIpOf(group),
      timeWindow: options.windowMs,
      keyGenerator: (request) =>
        by === 'account' ? `${group}:account:${accountKeyOf(emailOf(request))}` : `${group}:ip:${request.ip}`,
    })
  return (group) => {
    const limiters = RATE_LIMIT_GROUPS[group].map((by) => limiterOf(group, by))
    return async (request, reply) => {
      for (const limiter of limiters) {
        const limit = await limiter(request)
        if (!limit.isAllowed && limit.isExceeded) {
          void reply.header('retry-after', String(limit.ttlInSeconds))
          throw new HttpError(429, 'RATE_LIMITED', `too many attempts; retry in ${limit.ttlInSeconds} s`)
        }
      }
    }
  }
}
