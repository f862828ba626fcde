import type { ColdStartRecord } from '@tarmac/service'
import { factsOf, fitRecord, type ColdStartFacts } from './cold-start-facts.js'
import { coldStartRecordSchema } from './cold-start-schema.js'

/** A report body made ready to store: its facts and the JSON kept (validated, unknown keys dropped, trimmed). */
export interface IntakeAccepted {
  readonly ok: true
  readonly service: string
  readonly facts: Omit<ColdStartFacts, 'id'>
  readonly json: string
}

/** Why a report body is refused, as the collector answers it (the status is the code's catalog entry's). */
export interface IntakeRefused {
  readonly ok: false
  readonly code: 'VALIDATION_FAILED' | 'STARTUP_REPORT_TOO_LARGE'
  readonly message: string
  readonly details?: readonly { path: string; message: string }[]
}

export type IntakeOutcome = IntakeAccepted | IntakeRefused

/**
 * All the CPU a report costs before it is stored: parse, validate, trim to `recordMaxBytes`, extract the facts.
 * Pure and synchronous, so the collector runs it off the event loop (report-intake-thread.ts); ~15 ms for a
 * maximum-size report.
 */
export function intakeReport(
  body: string | Uint8Array,
  receivedAtMs: number,
  recordMaxBytes: number,
): IntakeOutcome {
  let value: unknown
  try {
    value = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'))
  } catch {
    return { ok: false, code: 'VALIDATION_FAILED', message: 'not a startup report: not JSON' }
  }
  const parsed = coldStartRecordSchema.safeParse(value)
  if (!parsed.success)
    return {
      ok: false,
      code: 'VALIDATION_FAILED',
      message: 'not a startup report',
      details: parsed.error.issues
        .slice(0, 10)
        .map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    }
  const record = parsed.data as ColdStartRecord
  const fitted = fitRecord(record, recordMaxBytes)
  if (!fitted)
    return {
      ok: false,
      code: 'STARTUP_REPORT_TOO_LARGE',
      message: `the report does not fit in ${recordMaxBytes} bytes even trimmed`,
    }
  return {
    ok: true,
    service: record.service,
    facts: factsOf(record, receivedAtMs, Buffer.byteLength(fitted.json)),
    json: fitted.json,
  }
}
