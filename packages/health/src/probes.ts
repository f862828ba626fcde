import type { ComponentReport, ComponentState } from '@tarmac/startup'
import type { HealthStatus } from './check.js'
import type { StartupLike } from './contribute.js'
import type { EventLoopMonitor } from './event-loop.js'
import type { HealthCheckEntry, HealthDocument, ServiceIdentity } from './health-document.js'
import { documentOf, entryOf } from './health-document.js'
import type { RegistryEvaluation } from './registry.js'

/** What every probe reads. Nothing here touches a dependency: checks are cached by the registry. */
export interface ProbeContext {
  readonly identity: ServiceIdentity
  readonly startup: StartupLike | undefined
  readonly eventLoop: EventLoopMonitor
  readonly maxEventLoopLagMs: number
  /** True once the plugin's server began closing, for services without a startup engine. */
  readonly closing: () => boolean
}

export interface ProbeResponse {
  readonly statusCode: 200 | 503
  readonly document: HealthDocument
}

const httpStatusOf = (status: HealthStatus) => (status === 'fail' ? 503 : 200)

/** Critical failures fail; anything else that is not a pass only warns. */
function aggregate(items: Iterable<{ critical: boolean; status: HealthStatus }>): HealthStatus {
  let status: HealthStatus = 'pass'
  for (const item of items) {
    if (item.status === 'fail' && item.critical) return 'fail'
    if (item.status !== 'pass') status = 'warn'
  }
  return status
}

/** `/health/live`: the process is not wedged. Event-loop lag only; never a dependency. */
export function liveProbe(context: ProbeContext): ProbeResponse {
  const lagMs = context.eventLoop.lagMs
  const bound = context.maxEventLoopLagMs
  const status: HealthStatus = lagMs > bound ? 'fail' : lagMs > bound / 2 ? 'warn' : 'pass'
  const entry: HealthCheckEntry = {
    componentType: 'system',
    observedValue: Math.round(lagMs * 10) / 10,
    observedUnit: 'ms',
    status,
    time: new Date().toISOString(),
  }
  if (status === 'fail') {
    entry.code = 'HEALTH_ERR_EVENT_LOOP_LAG'
    entry.output = `event-loop lag p99 ${Math.round(lagMs)} ms is over the ${bound} ms bound`
  }
  return {
    statusCode: httpStatusOf(status),
    document: documentOf(context.identity, status, { 'eventLoop:lag': [entry] }),
  }
}

/** Why the service is not ready, before any check is looked at; undefined when the engine allows readiness. */
function lifecycleBlocker(context: ProbeContext): { code: string; output: string } | undefined {
  if (context.closing()) return { code: 'HEALTH_ERR_SHUTTING_DOWN', output: 'the service is shutting down' }
  const state = context.startup?.state ?? 'started'
  if (state === 'started' || state === 'degraded') return undefined
  if (state === 'starting') return { code: 'HEALTH_ERR_STARTING', output: 'the service is starting' }
  if (state === 'failed') return { code: 'HEALTH_ERR_STARTUP_FAILED', output: 'startup failed' }
  return { code: 'HEALTH_ERR_SHUTTING_DOWN', output: 'the service is shutting down' }
}

/** `/health/ready`: started or degraded, not shutting down, every critical result passing and fresh. */
export function readyProbe(context: ProbeContext, evaluation: RegistryEvaluation): ProbeResponse {
  const checks: Record<string, HealthCheckEntry[]> = {}
  for (const evaluated of evaluation.checks) checks[evaluated.check.name] = [entryOf(evaluated)]
  const blocker = lifecycleBlocker(context)
  const state = context.startup?.state ?? (context.closing() ? 'stopping' : 'started')
  checks['startup:state'] = [
    {
      componentType: 'system',
      observedValue: state,
      status: blocker ? 'fail' : state === 'degraded' ? 'warn' : 'pass',
    },
  ]
  if (blocker) {
    const document = documentOf(context.identity, 'fail', checks, {
      output: `${blocker.code}: ${blocker.output}`,
    })
    return { statusCode: 503, document }
  }
  const status = aggregate([
    ...evaluation.checks.map(({ check, result }) => ({ critical: check.critical, status: result.status })),
    { critical: false, status: state === 'degraded' ? 'warn' : 'pass' },
  ])
  const failing = evaluation.checks.find(({ check, result }) => check.critical && result.status === 'fail')
  const output = failing
    ? `critical check ${failing.check.name} is failing: ${failing.result.code}`
    : undefined
  return {
    statusCode: httpStatusOf(status),
    document: documentOf(context.identity, status, checks, output === undefined ? {} : { output }),
  }
}

/**
 * `/health/infrastructure[/:component]`: per dependency, every cached figure (connection time, pool use, capacity).
 * A component that contributes checks but is not up shows as `<component>:component`. undefined: unknown component.
 */
export function infrastructureProbe(
  context: ProbeContext,
  evaluation: RegistryEvaluation,
  contributors: ReadonlySet<string>,
  component?: string,
): ProbeResponse | undefined {
  const matches = (name: string, id?: string) =>
    component === undefined || name === component || id === component
  const items: { critical: boolean; status: HealthStatus }[] = []
  const checks: Record<string, HealthCheckEntry[]> = {}
  const withChecks = new Set<string>()
  for (const evaluated of evaluation.checks) {
    const { check, result } = evaluated
    withChecks.add(check.component)
    if (!matches(check.component, check.componentId)) continue
    checks[check.name] = [entryOf(evaluated)]
    items.push({ critical: check.critical, status: result.status })
  }
  const report = contributors.size > 0 ? context.startup?.report() : undefined
  const reports = new Map(report?.phases.flatMap((p) => p.components.map((c) => [c.name, c] as const)))
  for (const name of contributors) {
    if (withChecks.has(name) || !matches(name)) continue
    const entry = componentEntry(reports.get(name))
    checks[`${name}:component`] = [entry]
    items.push({ critical: reports.get(name)?.critical ?? true, status: entry.status })
  }
  if (component !== undefined && Object.keys(checks).length === 0) return undefined
  const status = aggregate(items)
  return { statusCode: httpStatusOf(status), document: documentOf(context.identity, status, checks) }
}

const UP_STATES: readonly ComponentState[] = ['started']

function componentEntry(component: ComponentReport | undefined): HealthCheckEntry {
  const state = component?.state ?? 'pending'
  const entry: HealthCheckEntry = {
    componentType: 'component',
    observedValue: state,
    status: UP_STATES.includes(state) ? 'pass' : component?.critical === false ? 'warn' : 'fail',
  }
  const lastError = component?.errors.at(-1)
  if (lastError) {
    entry.code = lastError.code
    entry.output = lastError.message
    entry.time = lastError.at
  }
  return entry
}
