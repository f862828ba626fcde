import { isProgrammingError } from '@tarmac/faults'
import { CancelScope } from './cancel-scope.js'
import { causeChain } from './cause-chain.js'
import type { StartContext } from './component.js'
import { StartupError, errorCodeOf, safeMessageOf } from './errors.js'
import { childLogger } from './logger.js'
import type { ResolvedComponent, ResolvedStartupOptions } from './options.js'
import { STARTUP_DEFAULTS } from './options.js'
import { fullJitterDelayMs } from './retry-policy.js'
import type { ComponentReport, StartupEvent } from './startup-report.js'
import { stopResource } from './stop-resource.js'

export type AttemptOutcome = { ok: true; resource: unknown } | { ok: false; error: unknown }

export interface RunnerContext {
  readonly component: ResolvedComponent
  readonly record: ComponentReport
  readonly options: ResolvedStartupOptions
  readonly emit: (event: Omit<StartupEvent, 'service' | 'atMs'>) => void
  /** `context.report`: merges facts into the component's `details`. */
  readonly reportDetails: (details: Readonly<Record<string, unknown>>) => void
  /** Boot: aborts on the startup deadline or shutdown. Background: aborts on shutdown only. */
  readonly scope: CancelScope
}

/**
 * Attempts `start` until it succeeds or the policy gives up. At boot, `maxAttempts` and the component's
 * `retry.deadlineMs` bound the loop; in the background (an optional component recovering) only shutdown does.
 * A programming error (`isProgrammingError` of `@tarmac/faults`: a `TypeError`, `ReferenceError` or
 * `SyntaxError` of the code itself, not `fetch failed` wrapping a network error) ends the loop at once, in both
 * modes, whatever the component's `retryable` says: no retry changes wrong code, and backing off would only
 * make it look like weather.
 */
export async function runAttempts(
  context: RunnerContext,
  mode: 'boot' | 'background',
): Promise<AttemptOutcome> {
  const { component, record, options, emit } = context
  const { retry } = component
  const componentDeadline =
    mode === 'boot' && Number.isFinite(retry.deadlineMs)
      ? new CancelScope(
          context.scope,
          retry.deadlineMs,
          () =>
            new StartupError(
              'STARTUP_ERR_COMPONENT_DEADLINE',
              `"${component.name}" used its retry deadline of ${retry.deadlineMs} ms`,
            ),
        )
      : undefined
  const scope = componentDeadline ?? context.scope
  // The last error that was the component's own, not the loop's deadline or shutdown cutting an attempt short.
  let lastOwnError: unknown
  try {
    for (let attemptsThisLoop = 1; ; attemptsThisLoop++) {
      const attempt = ++record.attempts
      const startedAtMs = options.now()
      const outcome = await attemptOnce(context, attempt, scope)
      if (outcome.ok) return outcome
      recordFailedAttempt(context, attempt, outcome.error, options.now() - startedAtMs)
      if (scope.aborted) return { ok: false, error: gaveUp(scope, lastOwnError ?? outcome.error) }
      lastOwnError = outcome.error
      if (isProgrammingError(outcome.error)) return outcome
      // The engine's own attempt timeout is always worth another attempt: a slow hop is what retries are for.
      // Only the component's errors go through its predicate, which cannot know the engine's codes.
      if (!isAttemptTimeout(outcome.error) && !retry.retryable(outcome.error, attempt)) return outcome
      if (mode === 'boot' && attemptsThisLoop >= retry.maxAttempts) return outcome
      // Past ~30 doublings every window is the cap; keep the exponent small so it stays exact.
      const delayMs = fullJitterDelayMs(Math.min(attempt - 1, 30), retry, options.random)
      if (mode === 'boot') record.state = 'retrying'
      emit({
        type: 'component.retry.scheduled',
        phase: component.phase,
        component: component.name,
        attempt,
        delayMs,
      })
      try {
        await scope.sleep(delayMs)
      } catch {
        return { ok: false, error: gaveUp(scope, lastOwnError) }
      }
    }
  } finally {
    componentDeadline?.dispose()
  }
}

async function attemptOnce(
  context: RunnerContext,
  attempt: number,
  loopScope: CancelScope,
): Promise<AttemptOutcome> {
  const { component, options } = context
  const scope = new CancelScope(
    loopScope,
    component.timeoutMs,
    () =>
      new StartupError(
        'STARTUP_ERR_ATTEMPT_TIMEOUT',
        `attempt ${attempt} of "${component.name}" timed out after ${component.timeoutMs} ms`,
      ),
  )
  const start: StartContext = {
    signal: scope.signal,
    attempt,
    log: childLogger(options.logger, { component: component.name, attempt }),
    report: context.reportDetails,
  }
  let work: unknown
  try {
    work = component.definition.start(start)
    return { ok: true, resource: await scope.race(work) }
  } catch (error) {
    if (scope.aborted) stopIfLate(context, work)
    return { ok: false, error }
  } finally {
    scope.dispose()
  }
}

/** The attempt was abandoned, but `start` may still produce a resource (a connection…): stop it at once. */
function stopIfLate(context: RunnerContext, work: unknown): void {
  // It threw, or returned at once: nothing is still coming.
  if (typeof (work as { then?: unknown } | null | undefined)?.then !== 'function') return
  const { component, options, emit } = context
  void Promise.resolve(work).then(
    async (resource) => {
      const outcome = await stopResource(component, resource, 'late resource', options)
      emit({
        type: 'component.late-resource.stopped',
        phase: component.phase,
        component: component.name,
        ...(outcome.ok ? {} : { code: outcome.code, message: outcome.message }),
      })
    },
    () => {
      // The abandoned attempt rejected (most likely with its abort): nothing was produced, nothing to stop.
    },
  )
}

function recordFailedAttempt(
  context: RunnerContext,
  attempt: number,
  error: unknown,
  durationMs: number,
): void {
  const { component, record, options, emit } = context
  const code = errorCodeOf(error)
  const message = safeMessageOf(error)
  const evidence = evidenceOf(error)
  record.errors.push({
    attempt,
    code,
    message,
    durationMs,
    at: new Date(options.now()).toISOString(),
    ...options.classify(error),
    ...(evidence && { evidence }),
  })
  if (record.errors.length > STARTUP_DEFAULTS.attemptErrorsKept) record.errors.shift()
  emit({
    type: 'component.attempt.failed',
    phase: component.phase,
    component: component.name,
    attempt,
    durationMs,
    code,
    message,
  })
}

/** The loop's own signal ended it (deadline or shutdown): say so, and keep the last real error as the cause. */
function gaveUp(scope: CancelScope, lastError: unknown): unknown {
  const reason = scope.reason
  if (reason === lastError || !(reason instanceof StartupError)) return reason
  const last =
    lastError === undefined ? '' : `; last error ${errorCodeOf(lastError)}: ${safeMessageOf(lastError)}`
  return new StartupError(reason.code, `${reason.message}${last}`, { cause: lastError })
}

/** An error's own `evidence` (a JSON object of facts), looked for down the cause chain; copied. */
function evidenceOf(error: unknown): Readonly<Record<string, unknown>> | undefined {
  for (const link of causeChain(error, 5)) {
    const evidence = (link as { evidence?: unknown } | null)?.evidence
    if (typeof evidence !== 'object' || evidence === null) continue
    try {
      return JSON.parse(JSON.stringify(evidence)) as Record<string, unknown>
    } catch {
      return undefined
    }
  }
  return undefined
}

function isAttemptTimeout(error: unknown): boolean {
  return error instanceof StartupError && error.code === 'STARTUP_ERR_ATTEMPT_TIMEOUT'
}
