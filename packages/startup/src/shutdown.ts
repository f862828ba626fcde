import { sleep } from './abort.js'
import type { Engine } from './engine.js'
import { StartupError } from './errors.js'
import type { StartupReport } from './startup-report.js'
import { stopResource } from './stop-resource.js'

/**
 * Readiness false (state `stopping`) → cancel boot and background recoveries → the drain delay, if the
 * service was serving → stop every started component in reverse start order.
 */
export async function shutdownOnce(
  engine: Engine,
  reason: string,
  drainDelayMs: number,
): Promise<StartupReport> {
  const { report } = engine
  const wasServing = report.state === 'started' || report.state === 'degraded'
  if (report.state !== 'failed') report.state = 'stopping'
  engine.emit({ type: 'shutdown.started', reason })
  engine.shutdownScope.abort(new StartupError('STARTUP_ERR_ABORTED', `shutdown: ${reason}`))
  await engine.bootDone
  await Promise.allSettled([...engine.recoveries])
  // Give load balancers time to notice readiness is false before anything stops.
  if (wasServing && drainDelayMs > 0) await sleep(drainDelayMs, new AbortController().signal)
  await stopStarted(engine, reason)
  if (report.state !== 'failed') report.state = 'stopped'
  engine.emit({ type: 'shutdown.completed', reason })
  return engine.snapshot()
}

/** Stops every started component, last started first. Never throws: a failed stop is recorded and reported. */
export async function stopStarted(engine: Engine, reason: string): Promise<void> {
  while (engine.started.length > 0) {
    const { component, resource } = engine.started.pop()!
    engine.resources.delete(component.name)
    const record = engine.recordOf(component.name)
    const base = { phase: component.phase, component: component.name, reason }
    record.state = 'stopping'
    if (engine.observed) engine.emit({ type: 'component.stopping', ...base })
    const outcome = await stopResource(component, resource, reason, engine.options)
    record.state = 'stopped'
    if (outcome.ok) {
      if (engine.observed) engine.emit({ type: 'component.stopped', ...base })
    } else {
      record.stopError = { code: outcome.code, message: outcome.message }
      engine.emit({ type: 'component.stop.failed', ...base, code: outcome.code, message: outcome.message })
    }
  }
}
