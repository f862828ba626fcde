import type { Redis } from 'ioredis'
import type { ColdStartFacts } from './cold-start-facts.js'
import { COLLECTOR_BOUNDS, type CollectorBounds, type ColdStartStore } from './cold-start-store.js'

/**
 * Per service `s`, under the prefix: `facts:s` (a list of `<id>|<facts JSON>`, newest first), `rec:s` (a hash
 * id → record JSON), `bytes:s` (the records' bytes); and `services` (a sorted set: service → last heard ms), `seq`.
 * One script adds a record and trims, atomically, so every frontend keeps the same bounds.
 */
const ADD = `
local facts, recs, bytes, services, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local factsJson, record, service, prefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local perService, maxBytes, maxServices = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local ttlMs, nowMs = tonumber(ARGV[8]), tonumber(ARGV[9])
local id = redis.call('INCR', seq)
redis.call('LPUSH', facts, id .. '|' .. factsJson)
redis.call('HSET', recs, id, record)
local total = redis.call('INCRBY', bytes, string.len(record))
while redis.call('LLEN', facts) > perService or total > maxBytes do
  local oldest = redis.call('RPOP', facts)
  if not oldest then break end
  local oldId = string.match(oldest, '^(%d+)|')
  local oldRecord = redis.call('HGET', recs, oldId)
  if oldRecord then
    redis.call('HDEL', recs, oldId)
    total = redis.call('DECRBY', bytes, string.len(oldRecord))
  end
end
for _, key in ipairs({ facts, recs, bytes }) do redis.call('PEXPIRE', key, ttlMs) end
redis.call('ZADD', services, nowMs, service)
redis.call('ZREMRANGEBYSCORE', services, '-inf', nowMs - ttlMs)
local count = redis.call('ZCARD', services)
if count > maxServices then
  for _, gone in ipairs(redis.call('ZRANGE', services, 0, count - maxServices - 1)) do
    redis.call('DEL', prefix .. 'facts:' .. gone, prefix .. 'rec:' .. gone, prefix .. 'bytes:' .. gone)
    redis.call('ZREM', services, gone)
  end
end
return id
`

export interface RedisStoreOptions {
  /** Connected (or connecting) ioredis client; closed with the store. */
  readonly client: Redis
  /** Default `tarmac:cold-starts:`. */
  readonly prefix?: string
  readonly bounds?: CollectorBounds
}

/** The shared store: every frontend with the same `REDIS_URL` writes and reads the same records. */
export function createRedisStore(options: RedisStoreOptions): ColdStartStore {
  const { client } = options
  const prefix = options.prefix ?? 'tarmac:cold-starts:'
  const bounds = options.bounds ?? { ...COLLECTOR_BOUNDS }
  const key = (kind: string, service?: string) =>
    `${prefix}${kind}${service === undefined ? '' : `:${service}`}`
  return {
    shared: true,
    async add(facts, json) {
      await client.eval(
        ADD,
        5,
        key('facts', facts.service),
        key('rec', facts.service),
        key('bytes', facts.service),
        key('services'),
        key('seq'),
        JSON.stringify(facts),
        json,
        facts.service,
        prefix,
        String(bounds.perService),
        String(bounds.serviceMaxBytes),
        String(bounds.maxServices),
        String(bounds.ttlMs),
        String(facts.receivedAtMs),
      )
    },
    async facts() {
      const services = await client.zrange(key('services'), '0', '-1')
      const pipeline = client.pipeline()
      for (const service of services) pipeline.lrange(key('facts', service), '0', '-1')
      const lists = (await pipeline.exec()) ?? []
      const byService = new Map<string, ColdStartFacts[]>()
      services.forEach((service, index) => {
        const [error, entries] = lists[index] ?? []
        if (error) throw error
        const facts = (entries as string[]).map((entry) => {
          const bar = entry.indexOf('|')
          return {
            ...(JSON.parse(entry.slice(bar + 1)) as Omit<ColdStartFacts, 'id'>),
            id: Number(entry.slice(0, bar)),
          }
        })
        if (facts.length > 0) byService.set(service, facts)
      })
      return byService
    },
    async records(refs) {
      if (refs.length === 0) return []
      const pipeline = client.pipeline()
      for (const ref of refs) pipeline.hget(key('rec', ref.service), String(ref.id))
      const results = (await pipeline.exec()) ?? []
      return results.map(([error, value]) => {
        if (error) throw error
        return typeof value === 'string' ? value : undefined
      })
    },
    async close() {
      client.disconnect()
    },
  }
}

/** An ioredis client for the collector: loaded only when `REDIS_URL` is set; fails fast while Redis is away. */
export async function connectCollectorRedis(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis')
  const client = new Redis(url, {
    connectionName: 'tarmac-frontend-collector',
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  })
  client.on('error', () => {}) // reported per operation (503) and on /health; ioredis reconnects by itself
  return client
}
