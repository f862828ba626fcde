import type { ColdStartFacts } from './cold-start-facts.js'

/**
 * The collector's bounds, in bytes of record JSON (UTF-8). Memory: at most `maxServices × serviceMaxBytes` of
 * records (16 MiB; up to twice that as V8 strings) plus their facts (≤ ~2 KiB each, `perService` per service:
 * ~6 MiB), plus the requests in flight (`maxConcurrentReports` bodies of at most 256 KiB) and the intake thread that
 * parses them (≤ 48 MiB). Well under the 256 Mi the manifests give the frontend; bench/collector-flood measures it.
 */
export const COLLECTOR_BOUNDS = {
  /** One record, after validation (unknown keys dropped) and trimming (`fitRecord`): bigger → 413. */
  recordMaxBytes: 64 * 1024,
  /** One service's records: the oldest go first past this, or past `perService` records. */
  serviceMaxBytes: 1024 * 1024,
  perService: 200,
  /** Past this many services, the one heard from least recently goes. */
  maxServices: 16,
  /** Records expire this long after their service last sent one (Redis; in memory they stay until evicted). */
  ttlMs: 7 * 86_400_000,
  /** Report bodies read at once; more → 503 before their bodies are read. */
  maxConcurrentReports: 4,
} as const

export type CollectorBounds = { -readonly [K in keyof typeof COLLECTOR_BOUNDS]: number }

/** A raw record's address: its service and the id the store gave it. */
export interface RecordRef {
  readonly service: string
  readonly id: number
}

/**
 * Where the collector keeps records: in this process's memory (one frontend), or in Redis (every frontend writes
 * and reads the same records). Both keep the same bounds.
 */
export interface ColdStartStore {
  /** True when other frontends see what this one stores (Redis). */
  readonly shared: boolean
  add(facts: Omit<ColdStartFacts, 'id'>, json: string): Promise<void>
  /** Every service's facts, newest first. */
  facts(): Promise<ReadonlyMap<string, readonly ColdStartFacts[]>>
  /** The raw JSON of records; undefined for one evicted meanwhile. */
  records(refs: readonly RecordRef[]): Promise<(string | undefined)[]>
  close(): Promise<void>
}

interface ServiceRecords {
  facts: ColdStartFacts[]
  records: Map<number, string>
  bytes: number
}

/** The store of one frontend: per service, newest first, bounded by count and bytes. */
export function createMemoryStore(bounds: CollectorBounds = { ...COLLECTOR_BOUNDS }): ColdStartStore {
  const services = new Map<string, ServiceRecords>()
  let nextId = 1
  return {
    shared: false,
    async add(facts, json) {
      const entry: ServiceRecords = services.get(facts.service) ?? { facts: [], records: new Map(), bytes: 0 }
      services.delete(facts.service) // re-inserted last: the Map's order is "least recently heard from" first
      const id = nextId++
      entry.facts.unshift({ ...facts, id })
      entry.records.set(id, json)
      entry.bytes += facts.bytes
      while (entry.facts.length > bounds.perService || entry.bytes > bounds.serviceMaxBytes) {
        const oldest = entry.facts.pop()
        if (!oldest) break
        entry.records.delete(oldest.id)
        entry.bytes -= oldest.bytes
      }
      services.set(facts.service, entry)
      if (services.size > bounds.maxServices) services.delete(services.keys().next().value!)
    },
    async facts() {
      return new Map([...services].map(([service, entry]) => [service, entry.facts]))
    },
    async records(refs) {
      return refs.map((ref) => services.get(ref.service)?.records.get(ref.id))
    },
    async close() {},
  }
}
