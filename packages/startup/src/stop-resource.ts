import { CancelScope } from './cancel-scope.js'
import { StartupError, errorCodeOf, safeMessageOf } from './errors.js'
import { childLogger } from './logger.js'
import type { ResolvedComponent, ResolvedStartupOptions } from './options.js'

export type StopOutcome = { ok: true } | { ok: false; code: string; message: string }

/**
 * Runs a component's `stop` under its own deadline. Never throws: a stop that fails or hangs is reported,
 * and shutdown moves on to the next component.
 */
export async function stopResource(
  component: ResolvedComponent,
  resource: unknown,
  reason: string,
  options: ResolvedStartupOptions,
): Promise<StopOutcome> {
  const { definition } = component
  if (!definition.stop) return { ok: true }
  const timeout = new CancelScope(
    undefined,
    component.stopTimeoutMs,
    () =>
      new StartupError(
        'STARTUP_ERR_STOP_TIMEOUT',
        `stop of "${component.name}" did not finish within ${component.stopTimeoutMs} ms`,
      ),
  )
  const log = childLogger(options.logger, { component: component.name })
  try {
    await timeout.race(definition.stop(resource, { signal: timeout.signal, log, reason }))
    return { ok: true }
  } catch (error) {
    const code = timeout.aborted ? 'STARTUP_ERR_STOP_TIMEOUT' : 'STARTUP_ERR_STOP_FAILED'
    const message = safeMessageOf(error)
    log.warn({ code, err: { code: errorCodeOf(error), message } }, 'component stop failed')
    return { ok: false, code, message }
  } finally {
    timeout.dispose()
  }
}
