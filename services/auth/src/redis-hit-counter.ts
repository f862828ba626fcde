import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { HitCounter, WindowCount } from './hit-counter.js'

/**
 * One atomic step per hit: count it, start the window on the first, and read what is left of it. A key that
 * somehow lost its expiry gets one again, so no counter can outlive its window.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`

/** Where the counters live in Redis: a short hash of the key, so no email is stored there. */
export const REDIS_KEY_PREFIX = 'tarmac:auth:rate:'

export const redisKeyOf = (key: string) =>
  REDIS_KEY_PREFIX + createHash('sha256').update(key).digest('base64url').slice(0, 32)

/** The shape of the client this needs (ioredis's `Redis`). */
export type RedisLike = Pick<Redis, 'eval' | 'status'>

/**
 * Counters shared by every instance on one Redis: an `INCR` + `PEXPIRE` Lua script per hit, one round trip,
 * atomic, so two instances counting the same account at once both see the sum. Each counter expires with its
 * window: Redis holds only live counters (configure it `maxmemory-policy noeviction`: an evicting policy could
 * drop a live counter; a full Redis refuses the write instead, and auth counts locally — see `FleetHitCounter`).
 */
export class RedisHitCounter implements HitCounter {
  readonly #redis: RedisLike

  constructor(redis: RedisLike) {
    this.#redis = redis
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, ttlMs] = (await this.#redis.eval(HIT_SCRIPT, 1, redisKeyOf(key), windowMs)) as [
      number,
      number,
    ]
    return { count, resetInMs: ttlMs }
  }
}
