import { errorCodeOf, safeMessageOf } from '@tarmac/startup'
import type { CheckObservation, CheckResult, HealthStatus } from './check.js'
import { HEALTH_STATUSES } from './check.js'
import { HealthError } from './errors.js'
import type { ResolvedCheck } from './options.js'
import { HEALTH_DEFAULTS } from './options.js'

export interface CheckRunnerEnvironment {
  readonly now: () => number
  readonly random: () => number
  /** Adds the fault domain and layer to a failed result (from the error, else the check's `fault`). */
  readonly annotate: (check: ResolvedCheck, result: CheckResult, error?: unknown) => CheckResult
  readonly onResult: (result: CheckResult) => void
  /** Called when the last result outlives `staleAfterMs` without a newer one. */
  readonly onStale: () => void
}

/**
 * Runs one check in the background: the first run at once, then every `intervalMs` ± jitter counted from the
 * end of the previous run. Single-flight: a run that times out is recorded as failed at once, but the next
 * run waits until the abandoned one has settled, so a check never overlaps itself.
 */
export class CheckRunner {
  readonly check: ResolvedCheck
  #env: CheckRunnerEnvironment
  #result: CheckResult | undefined
  #timer: NodeJS.Timeout | undefined
  #staleTimer: NodeJS.Timeout | undefined
  #controller: AbortController | undefined
  #running = false
  #closed = false

  constructor(check: ResolvedCheck, env: CheckRunnerEnvironment) {
    this.check = check
    this.#env = env
  }

  get result(): CheckResult | undefined {
    return this.#result
  }

  get running(): boolean {
    return this.#running
  }

  start(): void {
    this.#schedule(0)
  }

  /** Stops scheduling and aborts a run in flight. */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    clearTimeout(this.#staleTimer)
    this.#controller?.abort(new HealthError('HEALTH_ERR_CHECK_FAILED', 'the check was removed'))
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return
    this.#timer = setTimeout(() => void this.#run(), delayMs)
    this.#timer.unref()
  }

  async #run(): Promise<void> {
    if (this.#running || this.#closed) return
    this.#running = true
    const { check } = this
    const controller = new AbortController()
    this.#controller = controller
    const startedAtMs = this.#env.now()
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(
          new HealthError('HEALTH_ERR_CHECK_TIMEOUT', `check did not finish within ${check.timeoutMs} ms`),
        )
        resolve('timeout')
      }, check.timeoutMs)
    })
    const work = Promise.resolve()
      .then(() => check.run({ signal: controller.signal }))
      .then(
        (observation) => ({ observation }),
        (error: unknown) => ({ error }),
      )
    const first = await Promise.race([work, timedOut])
    clearTimeout(timer)
    if (!this.#closed) {
      const end = this.#env.now()
      const base = {
        name: check.name,
        time: new Date(end).toISOString(),
        timeMs: end,
        durationMs: end - startedAtMs,
      }
      if (first === 'timeout') {
        this.#record({
          ...base,
          status: 'fail',
          code: 'HEALTH_ERR_CHECK_TIMEOUT',
          output: `check did not finish within ${check.timeoutMs} ms`,
        })
      } else if ('error' in first) {
        const code = errorCodeOf(first.error)
        this.#record(
          {
            ...base,
            status: 'fail',
            code: code === 'ERROR' || code === 'UNKNOWN' ? 'HEALTH_ERR_CHECK_FAILED' : code,
            output: safeMessageOf(first.error),
          },
          first.error,
        )
      } else this.#record({ ...base, ...fromObservation(first.observation) })
    }
    if (first === 'timeout') await work // single-flight: never start a run while the abandoned one is alive
    this.#running = false
    this.#controller = undefined
    const { jitterRatio } = HEALTH_DEFAULTS
    this.#schedule(check.intervalMs * (1 - jitterRatio + 2 * jitterRatio * this.#env.random()))
  }

  #record(raw: CheckResult, error?: unknown): void {
    const result = this.#env.annotate(this.check, raw, error)
    this.#result = result
    clearTimeout(this.#staleTimer)
    this.#staleTimer = setTimeout(() => this.#env.onStale(), this.check.staleAfterMs + 1)
    this.#staleTimer.unref()
    this.#env.onResult(result)
  }
}

/** Turns what `run` returned into the cached fields; a malformed return is a failure, not a crash. */
function fromObservation(
  observation: CheckObservation | undefined,
): Pick<CheckResult, 'status' | 'observedValue' | 'observedUnit' | 'output' | 'details' | 'code'> {
  if (typeof observation !== 'object' || observation === null)
    return { status: 'fail', code: 'HEALTH_ERR_INVALID_RESULT', output: 'run() did not return an object' }
  const status: HealthStatus = observation.status ?? 'pass'
  if (!HEALTH_STATUSES.includes(status))
    return { status: 'fail', code: 'HEALTH_ERR_INVALID_RESULT', output: `unknown status ${String(status)}` }
  const { observedValue, observedUnit, details } = observation
  const output = observation.output === undefined ? undefined : safeMessageOf(observation.output)
  return {
    status,
    ...(observedValue !== undefined && { observedValue }),
    ...(observedUnit !== undefined && { observedUnit }),
    ...(output !== undefined && { output }),
    ...(details !== undefined && { details }),
    ...(status === 'fail' && { code: 'HEALTH_ERR_CHECK_FAILED' }),
  }
}
