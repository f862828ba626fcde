import type { ColdStartFailure } from '@tarmac/protocol'
import type { ColdStartRecord } from '@tarmac/service'

/**
 * What the collector keeps of each record besides its raw JSON: the few facts the summary, the status board and
 * paging read. Small (≤ ~2 KiB: a 300-character message and at most `MAX_SAMPLES` timing samples), so a summary
 * over every stored record never parses a report.
 */
export interface ColdStartFacts {
  /** Assigned by the store, increasing: with `receivedAtMs`, the paging order. */
  readonly id: number
  readonly service: string
  readonly receivedAtMs: number
  readonly sentAt: string
  readonly instance: string
  readonly outcome: 'ready' | 'failed'
  /** UTF-8 bytes of the stored record's JSON. */
  readonly bytes: number
  readonly failure: ColdStartFailure | null
  /** Connect timings per step (`{ dns: 0.3, tcp: 850 }`): the admission's, and failed attempts'. */
  readonly connect: readonly Readonly<Record<string, number>>[]
}

const MAX_SAMPLES = 20

type Json = Record<string, unknown>
const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null

/** `{ dnsMs: 1 }` and `{ dns: 1 }` alike → `{ dns: 1 }`; `totalMs` → `total`. */
function stepsOf(timings: Json): Record<string, number> {
  const steps: Record<string, number> = {}
  for (const [key, value] of Object.entries(timings))
    if (typeof value === 'number') steps[key.replace(/Ms$/, '')] = value
  return steps
}

/** The facts of one validated record, as received at `receivedAtMs` and stored in `bytes` bytes. */
export function factsOf(
  record: ColdStartRecord,
  receivedAtMs: number,
  bytes: number,
): Omit<ColdStartFacts, 'id'> {
  const connect: Record<string, number>[] = []
  for (const phase of record.report.phases)
    for (const component of phase.components) {
      const admission = component.details?.connect
      if (isJson(admission) && connect.length < MAX_SAMPLES) connect.push(stepsOf(admission))
      for (const error of component.errors) {
        const timings = error.evidence?.timingsMs
        if (isJson(timings) && connect.length < MAX_SAMPLES) connect.push(stepsOf(timings))
      }
    }
  const failure = record.report.failure
  return {
    service: record.service,
    receivedAtMs,
    sentAt: record.sentAt,
    instance: record.instance,
    outcome: record.outcome,
    bytes,
    failure:
      record.outcome === 'failed'
        ? {
            phase: failure?.phase ?? 'unknown',
            component: failure?.component ?? 'unknown',
            code: failure?.code ?? 'unknown',
            causeCode: failure?.cause?.code ?? null,
            domain: failure?.domain ?? null,
            layer: failure?.layer ?? null,
            message: failure?.message ?? '',
          }
        : null,
    connect,
  }
}

/**
 * The record as stored, in at most `maxBytes` of JSON: as sent when it fits; else with each component's last
 * error only and no component details; else with no component errors (the failure itself stays). Undefined when
 * even that does not fit.
 */
export function fitRecord(
  record: ColdStartRecord,
  maxBytes: number,
): { record: ColdStartRecord; json: string } | undefined {
  const trims: ((record: ColdStartRecord) => ColdStartRecord)[] = [
    (whole) => whole,
    (whole) =>
      mapComponents(whole, (component) => ({
        ...component,
        details: undefined,
        errors: component.errors.slice(-1),
      })),
    (whole) => mapComponents(whole, (component) => ({ ...component, details: undefined, errors: [] })),
  ]
  for (const trim of trims) {
    const fitted = trim(record)
    const json = JSON.stringify(fitted)
    if (Buffer.byteLength(json) <= maxBytes) return { record: fitted, json }
  }
  return undefined
}

type Component = ColdStartRecord['report']['phases'][number]['components'][number]

function mapComponents(record: ColdStartRecord, map: (component: Component) => Component): ColdStartRecord {
  return {
    ...record,
    report: {
      ...record.report,
      phases: record.report.phases.map((phase) => ({ ...phase, components: phase.components.map(map) })),
    },
  }
}
