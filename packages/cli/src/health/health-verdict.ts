import type { VerdictDomain, VerdictLayer } from '@tarmac/faults'
import { judge } from '../faults.js'

/** What a health+json document says, reduced to what the monitor and validate show. */
export interface HealthVerdict {
  readonly state: 'pass' | 'fail' | 'starting'
  /** The startup state (`starting`, `started`, `failed`…) and current phase, when the body carries them. */
  readonly startupState?: string
  readonly startupPhase?: string
  /** The failing checks, `name (code)`. */
  readonly failing: string[]
  /** The service answers but says it is degraded: `status: warn`, or startup state `degraded`. */
  readonly degraded?: boolean
  /** Whose move it is and where, when the document says something failed (`unknown` when it cannot say). */
  readonly faultDomain?: VerdictDomain
  readonly faultLayer?: VerdictLayer
  /** The code the judgement rests on. */
  readonly code?: string
  readonly message?: string
}

interface CheckEntry {
  status?: string
  code?: string
  domain?: string
  layer?: string
  output?: string
}

const isHealthStatus = (value: unknown) => value === 'pass' || value === 'warn' || value === 'fail'

/**
 * Reads a health+json body. `starting` is its own state (a 503 from /health/startup while phases run is not
 * "down"). A failure is judged with the fault model: the domain and layer the service wrote beside a failing
 * check's code, else the code's catalog entry; then the startup report's failure. An answer that is not a
 * health document (a platform's own 503 while no instance is up) is `unknown`, never "application".
 */
export function verdictOf(httpStatus: number, body: unknown): HealthVerdict {
  const doc = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  if (!isHealthStatus(doc.status)) {
    const ok = httpStatus >= 200 && httpStatus < 300
    return ok
      ? { state: 'pass', failing: [] }
      : {
          state: 'fail',
          failing: [],
          faultDomain: 'unknown',
          faultLayer: 'unknown',
          code: `HTTP_${httpStatus}`,
          message: `HTTP ${httpStatus} without a health document: not the service's own answer`,
        }
  }
  const checks = (typeof doc.checks === 'object' && doc.checks !== null ? doc.checks : {}) as Record<
    string,
    CheckEntry[]
  >
  // /health/ready carries the engine's state as the `startup:state` check rather than a top-level `state`.
  const readyState = (checks['startup:state']?.[0] as { observedValue?: unknown } | undefined)?.observedValue
  const startupState =
    typeof doc.state === 'string' ? doc.state : typeof readyState === 'string' ? readyState : undefined
  const startupPhase = typeof doc.phase === 'string' ? doc.phase : undefined
  const base = {
    ...(startupState !== undefined && { startupState }),
    ...(startupPhase !== undefined && { startupPhase }),
  }
  const output = typeof doc.output === 'string' ? doc.output : undefined
  if (httpStatus >= 200 && httpStatus < 300 && doc.status !== 'fail') {
    if (doc.status !== 'warn' && startupState !== 'degraded') return { state: 'pass', failing: [], ...base }
    // An optional component or check is failing: the service serves, but says so.
    const warning = Object.entries(checks).flatMap(([name, entries]) =>
      (Array.isArray(entries) ? entries : [])
        .filter((e) => e?.status === 'warn' || e?.status === 'fail')
        .map((entry) => ({ name, entry })),
    )
    const first = warning[0]?.entry
    const judged = first ? judge(first) : undefined
    return {
      state: 'pass',
      failing: [],
      degraded: true,
      ...base,
      ...(first?.code !== undefined && { code: first.code }),
      ...(judged && { faultDomain: judged.domain, faultLayer: judged.layer }),
      message:
        warning.length > 0
          ? `degraded: ${warning.map(({ name, entry }) => (entry.code ? `${name} (${entry.code})` : name)).join(', ')}`
          : (output ?? `degraded: status ${String(doc.status)}, startup ${startupState ?? '?'}`),
    }
  }
  if (startupState === 'starting' || output?.startsWith('HEALTH_ERR_STARTING'))
    return { state: 'starting', failing: [], ...base, ...(output !== undefined && { message: output }) }
  const failing = Object.entries(checks).flatMap(([name, entries]) =>
    (Array.isArray(entries) ? entries : [])
      .filter((e) => e?.status === 'fail')
      .map((entry) => ({ name, entry })),
  )
  const names = failing.map(({ name, entry }) => (entry.code ? `${name} (${entry.code})` : name))
  const failure = (typeof doc.failure === 'object' && doc.failure !== null ? doc.failure : undefined) as
    { code?: string; domain?: string; layer?: string; cause?: { code?: string } } | undefined
  // The most telling evidence first: a judged failing check, then the startup failure, then the output's code.
  const candidates = [
    ...failing.filter(({ name }) => name !== 'startup:state').map(({ entry }) => entry),
    ...(failure ? [failure] : []),
    ...(output ? [{ code: output.split(':')[0] }] : []),
  ]
  const judged = candidates.map((candidate) => ({ code: candidate.code, ...judge(candidate) }))
  const best = judged.find((j) => j.domain !== 'unknown') ?? judged[0]
  const message =
    names.length > 0
      ? `failing: ${names.join(', ')}`
      : (output ?? `HTTP ${httpStatus}, status ${typeof doc.status === 'string' ? doc.status : '?'}`)
  return {
    state: 'fail',
    failing: names,
    faultDomain: best?.domain ?? 'unknown',
    faultLayer: best?.layer ?? 'unknown',
    ...(best?.code !== undefined && { code: best.code }),
    message,
    ...base,
  }
}
