import type { ComponentState } from '@tarmac/startup'
import type { HealthStatus } from './check.js'
import type { HealthCheckEntry } from './health-document.js'
import { documentOf } from './health-document.js'
import type { ProbeContext, ProbeResponse } from './probes.js'

const COMPONENT_STATUS: Record<ComponentState, HealthStatus> = {
  pending: 'warn',
  starting: 'warn',
  retrying: 'warn',
  started: 'pass',
  degraded: 'warn',
  failed: 'fail',
  skipped: 'fail',
  stopping: 'pass',
  stopped: 'pass',
}

const DONE_STATES = new Set<ComponentState>(['started', 'degraded', 'stopping', 'stopped'])

/** Extension keys a caller without the token still sees: they carry progress, not secrets. */
export const STARTUP_PUBLIC_KEYS = ['state', 'phase', 'progress', 'failure'] as const

/**
 * `/health/startup`: 503 with the current phase and progress while starting, 200 once started (or degraded),
 * 503 with the failure (phase, component, code) if startup failed. The whole report rides along as `report`.
 */
export function startupProbe(context: ProbeContext): ProbeResponse {
  const { startup, identity } = context
  if (!startup)
    return { statusCode: 200, document: documentOf(identity, 'pass', {}, { output: 'no startup engine' }) }
  const report = startup.report()
  const components = report.phases.flatMap((phase) => phase.components)
  const progress = {
    phasesCompleted: report.phases.filter((phase) => phase.state === 'completed').length,
    phases: report.phases.length,
    componentsStarted: components.filter((c) => DONE_STATES.has(c.state)).length,
    components: components.length,
  }
  const checks: Record<string, HealthCheckEntry[]> = {}
  for (const component of components) {
    const entry: HealthCheckEntry = {
      componentId: component.phase,
      componentType: 'component',
      status: COMPONENT_STATUS[component.state],
      observedValue: component.state,
    }
    if (component.startedAt !== null) entry.time = component.startedAt
    const lastError = component.errors.at(-1)
    if (lastError && component.state !== 'started') {
      entry.code = lastError.code
      entry.output = `attempt ${lastError.attempt}: ${lastError.message}`
    }
    checks[`${component.name}:startup`] = [entry]
  }
  // Once every phase completed, startup is over for good: shutting down later does not undo it.
  const completed = report.phases.every((phase) => phase.state === 'completed')
  const status: HealthStatus =
    report.state === 'failed' || !completed ? 'fail' : report.state === 'degraded' ? 'warn' : 'pass'
  const extensions = {
    state: report.state,
    phase: report.currentPhase,
    progress,
    failure: report.failure && {
      phase: report.failure.phase,
      component: report.failure.component,
      code: report.failure.code,
    },
    report,
    output:
      report.state === 'failed'
        ? `HEALTH_ERR_STARTUP_FAILED: ${report.failure?.component ?? '?'} failed in phase ${report.failure?.phase ?? '?'}`
        : completed
          ? `started in ${report.durationMs ?? 0} ms`
          : `HEALTH_ERR_STARTING: phase ${report.currentPhase ?? '(none yet)'}, ${progress.componentsStarted}/${progress.components} components started`,
  }
  return {
    statusCode: status === 'fail' ? 503 : 200,
    document: documentOf(identity, status, checks, extensions),
  }
}
