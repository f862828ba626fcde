import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { HttpError } from '@tarmac/service'

/** What is limited: attempts per client IP and per account (the email in the body), in one window. */
export interface RateLimitOptions {
  readonly windowMs: number
  readonly perIp: number
  readonly perAccount: number
}

const emailOf = (request: FastifyRequest) => {
  const email = (request.body as { email?: unknown } | undefined)?.email
  // Not normalised through the validator (it throws): a cheap form that folds case and spacing is enough here.
  return typeof email === 'string' ? email.normalize('NFC').trim().toLowerCase().slice(0, 320) : ''
}

/**
 * Registers `@fastify/rate-limit` (in-memory, per instance) and returns a `preHandler` factory that checks the
 * per-IP and per-account limits of one route group (`login`, `signup`). Over either limit → 429 `RATE_LIMITED`
 * with `retry-after`. Both limits count every attempt, so a flood of wrong passwords for one account is cut
 * off whichever IPs it comes from.
 */
export async function installRateLimits(
  app: FastifyInstance,
  options: RateLimitOptions,
): Promise<(group: string) => preHandlerAsyncHookHandler> {
  await app.register(rateLimit, { global: false })
  return (group) => {
    const perIp = app.createRateLimit({
      max: options.perIp,
      timeWindow: options.windowMs,
      keyGenerator: (request) => `${group}:ip:${request.ip}`,
    })
    const perAccount = app.createRateLimit({
      max: options.perAccount,
      timeWindow: options.windowMs,
      keyGenerator: (request) => `${group}:account:${emailOf(request)}`,
    })
    return async (request, reply) => {
      for (const limiter of [perIp, perAccount]) {
        const limit = await limiter(request)
        if (!limit.isAllowed && limit.isExceeded) {
          void reply.header('retry-after', String(limit.ttlInSeconds))
          throw new HttpError(429, 'RATE_LIMITED', `too many attempts; retry in ${limit.ttlInSeconds} s`)
        }
      }
    }
  }
}
