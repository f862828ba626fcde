import { percentileOf } from '@tarmac/faults'
import { CONNECT_STEPS, type ColdStartSummary, type ConnectStep } from '@tarmac/protocol'
import type { ColdStartRecord } from '@tarmac/service'

export interface ColdStartLog {
  add(record: ColdStartRecord, receivedAtMs?: number): void
  /** Newest first; optionally one service, and only those received since `sinceMs`. */
  list(filter?: { service?: string; sinceMs?: number }): readonly ColdStartRecord[]
  summary(service: string, nowMs?: number, windowMs?: number): ColdStartSummary
  services(): readonly string[]
}

interface Stored {
  readonly record: ColdStartRecord
  readonly receivedAtMs: number
}

/** Nearest rank; 0 for no samples. */
const percentile = (values: readonly number[], p: number): number => percentileOf(values, p) ?? 0

type Json = Record<string, unknown>
const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null

/** Phase timings found in one report: the admission's `details.connect`, and failed attempts' `evidence.timingsMs`. */
function connectSamples(record: ColdStartRecord): Record<string, number>[] {
  const samples: Record<string, number>[] = []
  for (const phase of record.report.phases)
    for (const component of phase.components) {
      const connect = component.details?.connect
      if (isJson(connect)) samples.push(stepsOf(connect))
      for (const error of component.errors) {
        const timings = error.evidence?.timingsMs
        if (isJson(timings)) samples.push(stepsOf(timings))
      }
    }
  return samples
}

/** `{ dnsMs: 1 }` and `{ dns: 1 }` alike → `{ dns: 1 }`; `totalMs` → `total`. */
function stepsOf(timings: Json): Record<string, number> {
  const steps: Record<string, number> = {}
  for (const [key, value] of Object.entries(timings))
    if (typeof value === 'number') steps[key.replace(/Ms$/, '')] = value
  return steps
}

/**
 * The collecting half of the cold-start recorder: a bounded ring per service, in memory (the collector needs no
 * database and stays up while the services it records do not). The oldest record of a service goes first; past
 * `maxServices`, the service heard from least recently goes.
 */
export function createColdStartLog(
  options: { perService?: number; maxServices?: number } = {},
): ColdStartLog {
  const perService = options.perService ?? 200
  const maxServices = options.maxServices ?? 32
  const rings = new Map<string, Stored[]>()
  const log: ColdStartLog = {
    add(record, receivedAtMs = Date.now()) {
      const ring = rings.get(record.service) ?? []
      rings.delete(record.service) // re-inserted last: the Map's order is "least recently heard from" first
      ring.push({ record, receivedAtMs })
      if (ring.length > perService) ring.shift()
      rings.set(record.service, ring)
      if (rings.size > maxServices) rings.delete(rings.keys().next().value!)
    },
    list(filter = {}) {
      const picked =
        filter.service === undefined ? [...rings.values()].flat() : (rings.get(filter.service) ?? [])
      return picked
        .filter((stored) => filter.sinceMs === undefined || stored.receivedAtMs >= filter.sinceMs)
        .sort((a, b) => b.receivedAtMs - a.receivedAtMs)
        .map((stored) => stored.record)
    },
    summary(service, nowMs = Date.now(), windowMs = 15 * 60_000) {
      const records = log.list({ service, sinceMs: nowMs - windowMs })
      const failedByPhase: Record<string, number> = {}
      let lastFailure: ColdStartSummary['lastFailure'] = null
      for (const record of records) {
        if (record.outcome !== 'failed') continue
        const failure = record.report.failure
        const phase = failure?.phase ?? 'unknown'
        failedByPhase[phase] = (failedByPhase[phase] ?? 0) + 1
        lastFailure ??= {
          at: record.sentAt,
          instance: record.instance,
          phase,
          component: failure?.component ?? 'unknown',
          code: failure?.code ?? 'unknown',
          causeCode: failure?.cause?.code ?? null,
          domain: failure?.domain ?? null,
          layer: failure?.layer ?? null,
          message: failure?.message ?? '',
        }
      }
      const byStep = new Map<string, number[]>()
      for (const sample of records.flatMap(connectSamples))
        for (const [step, ms] of Object.entries(sample)) byStep.set(step, [...(byStep.get(step) ?? []), ms])
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
      const failed = records.filter((record) => record.outcome === 'failed').length
      return {
        service,
        windowMs,
        total: records.length,
        ready: records.length - failed,
        failed,
        failedByPhase,
        lastFailure,
        connectMs,
      }
    },
    services: () => [...rings.keys()],
  }
  return log
}
