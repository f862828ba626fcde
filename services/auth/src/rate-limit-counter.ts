import type { Redis } from 'ioredis'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Logger } from '@tarmac/service'
import { FleetHitCounter, RATE_LIMIT_STORES, type RateLimitStore } from './fleet-hit-counter.js'
import type { HitCounter } from './hit-counter.js'
import { LocalHitCounter } from './local-hit-counter.js'
import { RedisHitCounter } from './redis-hit-counter.js'

/** How long one counter round trip to Redis may take before the hit is counted locally instead. */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000

/** The counter the rate limits use, and how to let go of it. */
export interface RateLimitCounter {
  readonly counter: HitCounter
  /** `redis`: shared by every instance on `REDIS_URL`; `local`: this instance only (no `REDIS_URL`). */
  readonly scope: RateLimitStore
  close(): Promise<void>
}

/**
 * Without `redisUrl`: this instance's memory (`LocalHitCounter`), and a log line at startup that says N
 * instances allow N × the limits. With it: Redis, shared by the fleet, falling back to memory while Redis does
 * not answer (`FleetHitCounter`), with its metrics on `register`. The client connects in the background and
 * reconnects by itself; commands fail at once while it is away (no offline queue) or after
 * `REDIS_COMMAND_TIMEOUT_MS`, so a Redis outage costs a login at most that.
 */
export async function createRateLimitCounter(options: {
  readonly redisUrl: string | undefined
  readonly logger: Logger
  readonly register: Registry | undefined
}): Promise<RateLimitCounter> {
  const { redisUrl, logger, register } = options
  const local = new LocalHitCounter()
  if (!redisUrl) {
    logger.info(
      { event: 'rateLimit.store', store: 'local' },
      'rate limits: per instance (no REDIS_URL): N auth instances allow N × each limit',
    )
    return { counter: local, scope: 'local', close: async () => {} }
  }
  // Loaded only when Redis is configured: an instance without it never pays for the client at cold start.
  const { Redis } = await import('ioredis')
  const redis: Redis = new Redis(redisUrl, {
    connectionName: 'auth:rate-limits',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  })
  // ioredis reports every failed reconnect; the fallback logs the switch once.
  redis.on('error', () => {})
  const registers = register ? [register] : []
  const fallbackHits = new Counter({
    name: 'tarmac_auth_rate_limit_fallback_hits_total',
    help: 'Rate-limit hits counted in this instance only because Redis did not answer',
    registers,
  })
  const store = new Gauge({
    name: 'tarmac_auth_rate_limit_store',
    help: 'Where rate-limit hits are counted now: 1 for the current store',
    labelNames: ['store'],
    registers,
  })
  const showStore = (current: RateLimitStore) => {
    for (const name of RATE_LIMIT_STORES) store.set({ store: name }, name === current ? 1 : 0)
  }
  showStore('redis')
  const counter = new FleetHitCounter(new RedisHitCounter(redis), local, logger, {
    onFallbackHit: () => fallbackHits.inc(),
    onStoreChange: showStore,
  })
  logger.info(
    { event: 'rateLimit.store', store: 'redis', redis: safeAddress(redisUrl) },
    'rate limits: shared by every auth instance through Redis (per instance while it does not answer)',
  )
  return {
    counter,
    scope: 'redis',
    close: async () => {
      redis.disconnect()
    },
  }
}

function safeAddress(url: string): string {
  const parsed = new URL(url)
  return `${parsed.hostname}:${parsed.port || '6379'}`
}
