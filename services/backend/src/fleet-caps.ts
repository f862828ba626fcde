import type { Redis } from 'ioredis'
import { LocalCapCounter, type CapCounter } from './cap-counter.js'
import { BackendError, networkReasonOf } from './errors.js'

/** The caps counted fleet-wide: each is one `CapCounter` and one key space in Redis. */
export const FLEET_CAPS = ['runs-per-user', 'sockets-per-user', 'sockets-per-ip'] as const
export type FleetCap = (typeof FLEET_CAPS)[number]

export interface FleetCapsOptions {
  /** This process's name: its field in every count, and its liveness key. */
  readonly instanceId: string
  /** Keys are `<keyPrefix>cap:<cap>:<key>` and `<keyPrefix>instance:<instanceId>`. */
  readonly keyPrefix: string
  /**
   * The instance renews its liveness key (and the expiry of the counts it holds) this often; a count whose
   * instance's key has been gone for `3 × heartbeatMs` (it died) is dropped by the next claim.
   */
  readonly heartbeatMs: number
  /** A Redis command that takes longer counts as Redis unreachable: the claim falls back to local counting. */
  readonly commandTimeoutMs: number
  readonly log?: { warn(object: object, message: string): void; info(object: object, message: string): void }
  /** Called on each claim decided locally because Redis failed (a metric). */
  readonly onFallback?: (cap: FleetCap) => void
}

/**
 * A count is a hash per key: one field per instance, its claims. A claim sums the fields of live instances
 * (their liveness key exists), drops those of dead ones, and adds one unless the sum is at `max` — in one Lua
 * script, so two instances claiming at once cannot both take the last place.
 */
const CLAIM = `
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #fields, 2 do
  if redis.call('EXISTS', ARGV[3] .. fields[i]) == 1 then
    total = total + tonumber(fields[i + 1])
  else
    redis.call('HDEL', KEYS[1], fields[i])
  end
end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`
const RELEASE = `
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left`

/** Beyond any cap: a claim that must not be refused (a run taken over from a dead instance). */
const UNCAPPED = 2 ** 31

/**
 * The backend's caps counted in Redis, across every instance, with this instance's own counts kept beside them.
 * While Redis cannot be reached a claim is decided on the local count — the cap then holds per instance, not
 * fleet-wide — and that is logged (once per outage) and counted (`onFallback`); never unlimited. The heartbeat
 * writes the counts that changed during an outage back to Redis once it answers again.
 */
export class FleetCaps {
  readonly #redis: Redis
  readonly #options: FleetCapsOptions
  readonly #local = new Map<FleetCap, LocalCapCounter>()
  /** Keys whose Redis count may be wrong (changed while Redis failed): rewritten by the next heartbeat. */
  readonly #dirty = new Set<string>()
  readonly #timer: NodeJS.Timeout
  #degraded = false

  private constructor(redis: Redis, options: FleetCapsOptions) {
    this.#redis = redis
    this.#options = options
    for (const cap of FLEET_CAPS) this.#local.set(cap, new LocalCapCounter())
    redis.defineCommand('tarmacCapClaim', { numberOfKeys: 1, lua: CLAIM })
    redis.defineCommand('tarmacCapRelease', { numberOfKeys: 1, lua: RELEASE })
    this.#timer = setInterval(() => void this.heartbeat(), options.heartbeatMs)
    this.#timer.unref()
  }

  /** Connects, registers this instance as alive, and returns the caps; rejects if Redis does not answer. */
  static async connect(url: string, options: FleetCapsOptions, signal: AbortSignal): Promise<FleetCaps> {
    const { Redis } = await import('ioredis')
    const redis = new Redis(url, {
      lazyConnect: true,
      connectionName: 'tarmac-backend-caps',
      // A claim must not wait for a reconnect: it falls back at once and the heartbeat catches up later.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    })
    redis.on('error', () => {}) // reported per command; ioredis reconnects by itself
    const abort = (): void => redis.disconnect()
    signal.addEventListener('abort', abort, { once: true })
    try {
      await redis.connect()
      const caps = new FleetCaps(redis, options)
      await caps.heartbeat(true)
      return caps
    } catch (error) {
      redis.disconnect()
      throw new BackendError('BACKEND_ERR_REDIS_UNAVAILABLE', `redis (caps): ${networkReasonOf(error)}`, {
        cause: error,
      })
    } finally {
      signal.removeEventListener('abort', abort)
    }
  }

  /** Whether the last Redis operation failed (claims are then per instance). */
  get degraded(): boolean {
    return this.#degraded
  }

  /** The counter of one cap, as the hub and the chat service use it. */
  counter(cap: FleetCap): CapCounter {
    return {
      scope: 'fleet',
      claim: (key, max) => this.#claim(cap, key, max),
      release: (key) => this.#release(cap, key),
    }
  }

  #key(cap: FleetCap, key: string): string {
    return `${this.#options.keyPrefix}cap:${cap}:${key}`
  }

  get #ttlMs(): number {
    return this.#options.heartbeatMs * 3
  }

  async #claim(cap: FleetCap, key: string, max: number): Promise<boolean> {
    const local = this.#local.get(cap)!
    const redisKey = this.#key(cap, key)
    try {
      const claimed = await (
        this.#redis as unknown as {
          tarmacCapClaim(...args: (string | number)[]): Promise<number>
        }
      ).tarmacCapClaim(
        redisKey,
        this.#options.instanceId,
        Math.min(max, UNCAPPED),
        this.#instancePrefix,
        this.#ttlMs,
      )
      this.#recovered()
      if (claimed !== 1) return false
      local.claimNow(key, UNCAPPED)
      return true
    } catch (error) {
      this.#failed(error, cap)
      this.#dirty.add(`${cap}\n${key}`)
      return local.claimNow(key, max)
    }
  }

  #release(cap: FleetCap, key: string): void {
    this.#local.get(cap)!.release(key)
    const dirtyKey = `${cap}\n${key}`
    if (this.#dirty.has(dirtyKey)) return // the heartbeat writes the whole count back
    ;(this.#redis as unknown as { tarmacCapRelease(...args: string[]): Promise<number> })
      .tarmacCapRelease(this.#key(cap, key), this.#options.instanceId)
      .then(() => this.#recovered())
      .catch((error: unknown) => {
        this.#failed(error, undefined)
        this.#dirty.add(dirtyKey)
      })
  }

  get #instancePrefix(): string {
    return `${this.#options.keyPrefix}instance:`
  }

  /**
   * Renews this instance's liveness key and the expiry of every count it holds; rewrites the counts that changed
   * while Redis failed. `strict` (at connect): a failure throws instead of being logged.
   */
  async heartbeat(strict = false): Promise<void> {
    const pipeline = this.#redis.pipeline()
    pipeline.set(this.#instancePrefix + this.#options.instanceId, '1', 'PX', this.#ttlMs)
    const rewritten = [...this.#dirty]
    for (const entry of rewritten) {
      const [cap, key] = entry.split('\n') as [FleetCap, string]
      const count = this.#local.get(cap)!.count(key)
      if (count > 0) pipeline.hset(this.#key(cap, key), this.#options.instanceId, count)
      else pipeline.hdel(this.#key(cap, key), this.#options.instanceId)
    }
    for (const [cap, local] of this.#local)
      for (const [key] of local.entries()) pipeline.pexpire(this.#key(cap, key), this.#ttlMs)
    try {
      const results = (await pipeline.exec()) ?? []
      const failed = results.find(([error]) => error)
      if (failed?.[0]) throw failed[0]
      for (const entry of rewritten) this.#dirty.delete(entry)
      this.#recovered()
    } catch (error) {
      if (strict) throw error
      this.#failed(error, undefined)
    }
  }

  #failed(error: unknown, cap: FleetCap | undefined): void {
    if (cap) this.#options.onFallback?.(cap)
    if (this.#degraded) return
    this.#degraded = true
    this.#options.log?.warn(
      { event: 'caps.fallback', reason: networkReasonOf(error) },
      'redis unreachable: caps are counted per instance until it answers again',
    )
  }

  #recovered(): void {
    if (!this.#degraded) return
    this.#degraded = false
    this.#options.log?.info({ event: 'caps.fleet' }, 'redis answers again: caps are counted fleet-wide')
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    // Gone at once rather than after its expiry: the others stop counting this instance's claims now.
    await this.#redis.del(this.#instancePrefix + this.#options.instanceId).catch(() => {})
    await this.#redis.quit().catch(() => {})
    this.#redis.disconnect()
  }
}

/** Caps without Redis: this instance's counts. */
export function localCaps(): Record<FleetCap, CapCounter> {
  const counters = {} as Record<FleetCap, CapCounter>
  for (const cap of FLEET_CAPS) counters[cap] = new LocalCapCounter()
  return counters
}
