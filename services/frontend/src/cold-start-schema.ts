import { z } from 'zod'

const CREDENTIALS_IN_URL = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@/?#\s]*@/gi
/** Defence in depth: the engine already redacts, but nothing secret is stored even from a careless sender. */
const redacted = (value: string) => value.replace(CREDENTIALS_IN_URL, '$1***@')
const text = (max: number) => z.string().max(max).transform(redacted)
const count = z.number().int().min(0).max(1_000_000)
const ms = z.number().min(0).max(86_400_000)

/** Why a facts value is refused, or undefined when it is JSON facts within the bounds. */
function factsProblem(value: unknown, depth: number): string | undefined {
  if (value === null || typeof value === 'boolean') return undefined
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'not a finite number'
  if (typeof value === 'string') return value.length <= 300 ? undefined : 'a string over 300 characters'
  if (depth >= 8) return 'nested deeper than 8'
  if (Array.isArray(value)) {
    if (value.length > 50) return 'an array over 50 items'
    for (const item of value) {
      const problem = factsProblem(item, depth + 1)
      if (problem) return problem
    }
    return undefined
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length > 50) return 'an object over 50 keys'
    for (const [key, item] of entries) {
      if (key.length > 64) return 'a key over 64 characters'
      const problem = factsProblem(item, depth + 1)
      if (problem) return problem
    }
    return undefined
  }
  return 'not JSON'
}

/** The value with every string redacted (checked by `factsProblem` first). */
function redactFacts(value: unknown): unknown {
  if (typeof value === 'string') return redacted(value)
  if (Array.isArray(value)) return value.map(redactFacts)
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactFacts(item)]))
  return value
}

/**
 * JSON facts (timings, a budget, an error class): scalars, arrays and objects only, strings redacted. Checked by
 * one walk, not a recursive zod union: that took ~100 ms per maximum-size report, blocking the event loop.
 */
const factsRecord = z.unknown().transform((value, context) => {
  const problem =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? factsProblem(value, 0)
      : 'not an object'
  if (problem) {
    context.addIssue({ code: 'custom', message: `not JSON facts: ${problem}` })
    return z.NEVER
  }
  return redactFacts(value) as Record<string, unknown>
})
const attemptError = z.object({
  attempt: count,
  code: text(100),
  message: text(300),
  durationMs: ms,
  at: text(40),
  domain: text(40).optional(),
  layer: text(40).optional(),
  evidence: factsRecord.optional(),
})
const component = z.object({
  name: text(100),
  phase: text(100),
  critical: z.boolean(),
  timeoutMs: ms.optional(),
  state: text(40),
  startedAt: text(40).nullable(),
  durationMs: ms.nullable(),
  attempts: count,
  errors: z.array(attemptError).max(20),
  details: factsRecord.optional(),
  recoveredAt: text(40).optional(),
  stopError: z.object({ code: text(100), message: text(300) }).optional(),
})
const report = z.object({
  service: text(100),
  state: text(40),
  currentPhase: text(100).nullable(),
  startedAt: text(40).nullable(),
  durationMs: ms.nullable(),
  deadlineMs: ms,
  phases: z
    .array(
      z.object({
        name: text(100),
        parallel: z.boolean(),
        state: text(40),
        startedAt: text(40).nullable(),
        durationMs: ms.nullable(),
        components: z.array(component).max(100),
      }),
    )
    .max(20),
  failure: z
    .object({
      phase: text(100),
      component: text(100),
      code: text(100),
      message: text(300),
      domain: text(40).optional(),
      layer: text(40).optional(),
      cause: z.object({ code: text(100), message: text(300) }).optional(),
    })
    .nullable(),
})
/** What `POST /startup-reports` accepts; unknown keys are dropped, so nothing beyond these is ever stored. */
export const coldStartRecordSchema = z.object({
  service: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'a kebab-case service name'),
  instance: text(200),
  version: text(100).optional(),
  releaseId: text(128).optional(),
  outcome: z.enum(['ready', 'failed']),
  sentAt: text(40),
  report,
})
