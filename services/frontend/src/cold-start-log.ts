import { percentileOf } from '@tarmac/sampling'
import { CONNECT_STEPS, type ColdStartSummary, type ConnectStep } from '@tarmac/protocol'
import type { ColdStartRecord } from '@tarmac/service'
import { factsOf, fitRecord, type ColdStartFacts } from './cold-start-facts.js'
import {
  COLLECTOR_BOUNDS,
  createMemoryStore,
  type CollectorBounds,
  type ColdStartStore,
} from './cold-start-store.js'

export interface ColdStartPage {
  /** The raw records, newest first. */
  readonly records: readonly unknown[]
  /** Pass as `cursor` for the next page; null on the last. */
  readonly nextCursor: string | null
}

export interface ColdStartLog {
  readonly bounds: CollectorBounds
  /**
   * Stores a validated record (trimmed to `recordMaxBytes`). Resolves to false when it does not fit even trimmed;
   * rejects when the store is unavailable.
   */
  add(record: ColdStartRecord, receivedAtMs?: number): Promise<boolean>
  /** Stores a record already made ready (`intakeReport`); rejects when the store is unavailable. */
  addAccepted(accepted: { facts: Omit<ColdStartFacts, 'id'>; json: string }): Promise<void>
  /** Reloads what every frontend stored, at most once per `refreshMs` (single-flight). A no-op in memory. */
  refresh(): Promise<void>
  /** Facts, newest first; optionally one service, and only those received since `sinceMs`. */
  facts(filter?: { service?: string; sinceMs?: number }): readonly ColdStartFacts[]
  /** One service's window: computed in one pass, at most once per `summaryMs` while records keep coming. */
  summary(service: string, nowMs?: number, windowMs?: number): ColdStartSummary
  services(): readonly string[]
  /** Raw records, newest first, `limit` at a time. */
  page(query: { service?: string; sinceMs?: number; cursor?: string; limit: number }): Promise<ColdStartPage>
  close(): Promise<void>
}

export interface ColdStartLogOptions {
  /** Default: in this process's memory. */
  readonly store?: ColdStartStore
  readonly bounds?: Partial<CollectorBounds>
  /** How stale a shared store's snapshot may get. Default 1 000. */
  readonly refreshMs?: number
  /** How long a summary is reused while new records arrive. Default 1 000. */
  readonly summaryMs?: number
}

/** Nearest rank; 0 for no samples. */
const percentile = (values: readonly number[], p: number): number => percentileOf(values, p) ?? 0

const encodeCursor = (facts: ColdStartFacts) =>
  Buffer.from(`${facts.receivedAtMs}:${facts.id}`).toString('base64url')
function decodeCursor(cursor: string): { receivedAtMs: number; id: number } | undefined {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split(':').map(Number)
  return Number.isSafeInteger(at) && Number.isSafeInteger(id) ? { receivedAtMs: at!, id: id! } : undefined
}
const newestFirst = (a: ColdStartFacts, b: ColdStartFacts) => b.receivedAtMs - a.receivedAtMs || b.id - a.id

/**
 * The collecting half of the cold-start recorder, over a store (memory, or Redis shared by every frontend): the
 * raw records bounded by bytes, and a snapshot of their facts that summaries, the status board and paging read.
 */
export function createColdStartLog(options: ColdStartLogOptions = {}): ColdStartLog {
  const bounds: CollectorBounds = { ...COLLECTOR_BOUNDS, ...options.bounds }
  const store = options.store ?? createMemoryStore(bounds)
  const refreshMs = options.refreshMs ?? 1_000
  const summaryMs = options.summaryMs ?? 1_000
  let snapshot: ReadonlyMap<string, readonly ColdStartFacts[]> = new Map()
  let version = 0
  let refreshedAtMs = -Infinity
  let refreshing: Promise<void> | undefined
  const summaries = new Map<string, { atMs: number; version: number; summary: ColdStartSummary }>()

  const load = async () => {
    snapshot = await store.facts()
    refreshedAtMs = Date.now()
    version++
  }
  const log: ColdStartLog = {
    bounds,
    async add(record, receivedAtMs = Date.now()) {
      const fitted = fitRecord(record, bounds.recordMaxBytes)
      if (!fitted) return false
      await log.addAccepted({
        facts: factsOf(record, receivedAtMs, Buffer.byteLength(fitted.json)),
        json: fitted.json,
      })
      return true
    },
    async addAccepted({ facts, json }) {
      await store.add(facts, json)
      if (!store.shared) await load()
    },
    refresh() {
      if (!store.shared && refreshedAtMs > -Infinity) return Promise.resolve()
      if (Date.now() - refreshedAtMs < refreshMs) return Promise.resolve()
      // A store that is away is asked again after `refreshMs`, not on every read: the last snapshot meanwhile.
      refreshing ??= load()
        .catch((error: unknown) => {
          refreshedAtMs = Date.now()
          throw error
        })
        .finally(() => (refreshing = undefined))
      return refreshing
    },
    facts(filter = {}) {
      const picked =
        filter.service === undefined
          ? [...snapshot.values()].flat().sort(newestFirst)
          : (snapshot.get(filter.service) ?? [])
      return filter.sinceMs === undefined ? picked : picked.filter((f) => f.receivedAtMs >= filter.sinceMs!)
    },
    summary(service, nowMs = Date.now(), windowMs = 15 * 60_000) {
      const key = `${service}|${windowMs}`
      const cached = summaries.get(key)
      if (cached && (cached.version === version || nowMs - cached.atMs < summaryMs)) return cached.summary
      const summary = summarise(service, log.facts({ service, sinceMs: nowMs - windowMs }), windowMs)
      summaries.set(key, { atMs: nowMs, version, summary })
      return summary
    },
    services: () => [...snapshot.keys()],
    async page({ service, sinceMs, cursor, limit }) {
      const after = cursor === undefined ? undefined : decodeCursor(cursor)
      const candidates = log
        .facts({ ...(service !== undefined && { service }), ...(sinceMs !== undefined && { sinceMs }) })
        .filter(
          (f) =>
            after === undefined ||
            f.receivedAtMs < after.receivedAtMs ||
            (f.receivedAtMs === after.receivedAtMs && f.id < after.id),
        )
      const picked = candidates.slice(0, limit)
      const raw = await store.records(picked)
      return {
        records: raw.flatMap((json) => (json === undefined ? [] : [JSON.parse(json) as unknown])),
        nextCursor: candidates.length > limit ? encodeCursor(picked.at(-1)!) : null,
      }
    },
    close: () => store.close(),
  }
  return log
}

/** One pass over a window's facts (newest first): counts, failures by phase, the last failure, connect p50/p95. */
function summarise(service: string, facts: readonly ColdStartFacts[], windowMs: number): ColdStartSummary {
  const failedByPhase: Record<string, number> = {}
  let lastFailure: ColdStartSummary['lastFailure'] = null
  let failed = 0
  const byStep = new Map<string, number[]>()
  for (const f of facts) {
    for (const sample of f.connect)
      for (const [step, ms] of Object.entries(sample)) {
        const values = byStep.get(step)
        if (values) values.push(ms)
        else byStep.set(step, [ms])
      }
    if (f.outcome !== 'failed' || !f.failure) continue
    failed++
    failedByPhase[f.failure.phase] = (failedByPhase[f.failure.phase] ?? 0) + 1
    lastFailure ??= { at: f.sentAt, instance: f.instance, ...f.failure }
  }
  const connectMs: Partial<Record<ConnectStep, { p50: number; p95: number; samples: number }>> = {}
  for (const step of CONNECT_STEPS) {
    const values = (byStep.get(step) ?? []).sort((a, b) => a - b)
    if (values.length > 0)
      connectMs[step] = {
        p50: Math.round(percentile(values, 50) * 10) / 10,
        p95: Math.round(percentile(values, 95) * 10) / 10,
        samples: values.length,
      }
  }
  return {
    service,
    windowMs,
    total: facts.length,
    ready: facts.length - failed,
    failed,
    failedByPhase,
    lastFailure,
    connectMs,
  }
}
