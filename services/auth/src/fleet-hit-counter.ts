import type { Logger } from '@tarmac/service'
import type { HitCounter, WindowCount } from './hit-counter.js'
import type { LocalHitCounter } from './local-hit-counter.js'
import type { RedisHitCounter } from './redis-hit-counter.js'

/** Where a hit was counted: in Redis, shared by the fleet, or in this instance only. */
export const RATE_LIMIT_STORES = ['redis', 'local'] as const
export type RateLimitStore = (typeof RATE_LIMIT_STORES)[number]

/** What the fallback reports, for metrics: every hit counted locally because Redis failed, and the store in use. */
export interface FleetCounterEvents {
  onFallbackHit?(): void
  onStoreChange?(store: RateLimitStore): void
}

/**
 * Counts in Redis while it answers, in memory when it does not. Redis unreachable, timing out or refusing a
 * write never lets a request through uncounted (fail open) and never answers 503 (fail closed, which would let
 * a Redis outage lock everyone out): the hit is counted locally, per instance — N instances then allow up to
 * N × the limit — and the switch is logged (a warning when it falls back, once, and info when Redis is back) and
 * counted (`tarmac_auth_rate_limit_fallback_hits_total`, `tarmac_auth_rate_limit_store`). Counts do not move
 * between the stores: a window that started in one continues there.
 */
export class FleetHitCounter implements HitCounter {
  readonly #redis: RedisHitCounter
  readonly #local: LocalHitCounter
  readonly #logger: Logger
  readonly #events: FleetCounterEvents
  #store: RateLimitStore = 'redis'

  constructor(
    redis: RedisHitCounter,
    local: LocalHitCounter,
    logger: Logger,
    events: FleetCounterEvents = {},
  ) {
    this.#redis = redis
    this.#local = local
    this.#logger = logger
    this.#events = events
  }

  /** The store the last hit was counted in. */
  get store(): RateLimitStore {
    return this.#store
  }

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    try {
      const counted = await this.#redis.hit(key, windowMs)
      this.#switchTo('redis')
      return counted
    } catch (error) {
      this.#switchTo('local', error)
      this.#events.onFallbackHit?.()
      return this.#local.hitNow(key, windowMs)
    }
  }

  #switchTo(store: RateLimitStore, error?: unknown): void {
    if (store === this.#store) return
    this.#store = store
    this.#events.onStoreChange?.(store)
    if (store === 'local') {
      this.#logger.warn(
        { event: 'rateLimit.fallback', store, err: error },
        'rate limits: Redis failed; counting in this instance only until it answers again',
      )
    } else {
      this.#logger.info(
        { event: 'rateLimit.shared', store },
        'rate limits: Redis answers again; counting fleet-wide',
      )
    }
  }
}
