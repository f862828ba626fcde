import { classifyError } from '@tarmac/probe'
import { faultDomainOfCode, rootCodeOf } from './fault-class.js'
import type { ServiceCheck, ServiceFault, ServicePhase, ServiceStatus, Status } from './status-types.js'

/** One GET of a health endpoint; `error` when no HTTP answer came back. */
export type HealthGet = (
  path: string,
) => Promise<{ statusCode: number; body: unknown; latencyMs: number } | { error: unknown; latencyMs: number }>

type Doc = Record<string, unknown>
const isDoc = (value: unknown): value is Doc => typeof value === 'object' && value !== null
const str = (value: unknown) => (typeof value === 'string' ? value : null)
const num = (value: unknown) => (typeof value === 'number' ? value : null)
const statusOf = (value: unknown): Status => (value === 'pass' || value === 'warn' ? value : 'fail')

/** Reads a service's startup, readiness and infrastructure endpoints at once and condenses them. */
export async function readServiceStatus(name: string, get: HealthGet): Promise<Omit<ServiceStatus, 'since'>> {
  const [startup, ready, infrastructure] = await Promise.all([
    get('/health/startup'),
    get('/health/ready'),
    get('/health/infrastructure'),
  ])
  if ('error' in ready) {
    const failure = classifyError(ready.error, 'ttfb')
    const reason = failure.code ?? failure.class
    return {
      name,
      status: 'fail',
      reachable: false,
      state: 'unreachable',
      phase: null,
      startupDurationMs: null,
      readyLatencyMs: null,
      phases: [],
      checks: [],
      fault: {
        domain: faultDomainOfCode(failure.class),
        code: failure.class,
        component: null,
        summary: `${name} is not answering (${reason})`,
      },
    }
  }
  const startupDoc = 'error' in startup || !isDoc(startup.body) ? {} : startup.body
  const report = isDoc(startupDoc.report) ? startupDoc.report : {}
  const phases = Array.isArray(report.phases) ? report.phases.filter(isDoc).map(phaseOf) : []
  const readyDoc = isDoc(ready.body) ? ready.body : {}
  const infraDoc = 'error' in infrastructure || !isDoc(infrastructure.body) ? {} : infrastructure.body
  const checks = mergeChecks(infraDoc, readyDoc)
  const status = statusOf(readyDoc.status)
  const state = str(startupDoc.state) ?? str(report.state) ?? (status === 'fail' ? 'unknown' : 'started')
  return {
    name,
    status,
    reachable: true,
    state,
    phase: str(startupDoc.phase) ?? str(report.currentPhase),
    startupDurationMs: num(report.durationMs),
    readyLatencyMs: Math.round(ready.latencyMs * 10) / 10,
    phases,
    checks,
    fault: status === 'fail' ? faultOf(name, state, startupDoc, phases, checks, str(readyDoc.output)) : null,
  }
}

function phaseOf(phase: Doc): ServicePhase {
  const components = Array.isArray(phase.components) ? phase.components.filter(isDoc) : []
  return {
    name: str(phase.name) ?? '?',
    state: str(phase.state) ?? '?',
    durationMs: num(phase.durationMs),
    components: components.map((component) => {
      const errors = Array.isArray(component.errors) ? component.errors.filter(isDoc) : []
      const last = errors.at(-1)
      return {
        name: str(component.name) ?? '?',
        state: str(component.state) ?? '?',
        critical: component.critical !== false,
        durationMs: num(component.durationMs),
        attempts: num(component.attempts) ?? 0,
        lastError: last ? { code: str(last.code) ?? '?', message: str(last.message) ?? '' } : null,
      }
    }),
  }
}

/** Infrastructure checks first (they carry the figures), then readiness-only ones such as `startup:state`. */
function mergeChecks(...docs: Doc[]): ServiceCheck[] {
  const checks = new Map<string, ServiceCheck>()
  for (const doc of docs) {
    if (!isDoc(doc.checks)) continue
    for (const [name, entries] of Object.entries(doc.checks)) {
      const entry: unknown = Array.isArray(entries) ? entries[0] : undefined
      if (checks.has(name) || !isDoc(entry)) continue
      checks.set(name, {
        name,
        status: statusOf(entry.status),
        critical: typeof entry.critical === 'boolean' ? entry.critical : null,
        observedValue: entry.observedValue ?? null,
        observedUnit: str(entry.observedUnit),
        code: str(entry.code),
        output: str(entry.output),
      })
    }
  }
  return [...checks.values()]
}

function faultOf(
  name: string,
  state: string,
  startupDoc: Doc,
  phases: ServicePhase[],
  checks: ServiceCheck[],
  readyOutput: string | null,
): ServiceFault | null {
  // A failing dependency check is the most direct evidence.
  const failing = checks.find((check) => check.status === 'fail' && check.name !== 'startup:state')
  if (failing) {
    const domain = faultDomainOfCode(failing.code ?? undefined)
    return {
      domain: domain === 'unknown' ? 'infrastructure' : domain,
      code: failing.code ?? 'CHECK_FAILED',
      component: failing.name.split(':')[0] ?? null,
      summary: `${name}: dependency check ${failing.name} is failing${failing.output ? `: ${failing.output}` : ''}`,
    }
  }
  const components = phases.flatMap((phase) => phase.components)
  const failure = isDoc(startupDoc.failure) ? startupDoc.failure : null
  const broken =
    components.find((c) => c.name === str(failure?.component)) ??
    components.find((c) => c.state === 'failed' || c.state === 'retrying')
  if (state === 'failed' || broken?.lastError) {
    const code = rootCodeOf([broken?.lastError?.code, str(failure?.code) ?? undefined]) ?? 'STARTUP_FAILED'
    const where = broken ? ` in component ${broken.name}` : ''
    return {
      domain: faultDomainOfCode(code),
      code,
      component: broken?.name ?? null,
      summary: `${name}: startup ${state === 'failed' ? 'failed' : 'is retrying'}${where} (${code})`,
    }
  }
  if (state === 'starting') return null // not a fault yet: the timeline shows the phase it is in
  return {
    domain: 'application',
    code: readyOutput?.split(':')[0] ?? 'NOT_READY',
    component: null,
    summary: `${name} answers but is not ready${readyOutput ? `: ${readyOutput}` : ''}`,
  }
}
