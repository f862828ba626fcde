import { classifyError } from '@tarmac/probe'
import { faults } from './faults.js'
import type {
  ColdStartBrief,
  ServiceCheck,
  ServiceFault,
  ServicePhase,
  ServiceStatus,
  Status,
} from './status-types.js'

/** A service as one round of reads finds it; the board adds since when, its cold starts and its timeline. */
export type ServiceReading = Omit<ServiceStatus, 'since' | 'sinceBasis' | 'coldStarts' | 'timeline'>

/** One GET of a health endpoint; `error` when no HTTP answer came back. `server` is the answer's Server header. */
export type HealthGet = (
  path: string,
) => Promise<
  | { statusCode: number; body: unknown; latencyMs: number; server?: string }
  | { error: unknown; latencyMs: number }
>

type Doc = Record<string, unknown>
const isDoc = (value: unknown): value is Doc => typeof value === 'object' && value !== null
const str = (value: unknown) => (typeof value === 'string' ? value : null)
const num = (value: unknown) => (typeof value === 'number' ? value : null)
const statusOf = (value: unknown): Status => (value === 'pass' || value === 'warn' ? value : 'fail')

/** Reads a service's startup, readiness and infrastructure endpoints at once and condenses them. */
export async function readServiceStatus(
  name: string,
  get: HealthGet,
  lastColdStart?: ColdStartBrief | null,
): Promise<ServiceReading> {
  const [startup, ready, infrastructure] = await Promise.all([
    get('/health/startup'),
    get('/health/ready'),
    get('/health/infrastructure'),
  ])
  if ('error' in ready) {
    const failure = classifyError(ready.error, 'ttfb')
    const reason = failure.code ?? failure.class
    return {
      ...unanswered(name),
      state: 'unreachable',
      fault: unknownFault(name, failure.class, `${name} is not answering (${reason})`, [
        `no HTTP answer from /health/ready: ${failure.class} (${reason}) after ${round(ready.latencyMs)} ms`,
        ...exitEvidence(lastColdStart),
      ]),
    }
  }
  if (!isHealthDocument(ready.body)) {
    // An answer, but not from a Tarmac service: a platform's or a proxy's own 502/503 while no instance is up.
    return {
      ...unanswered(name),
      reachable: true,
      state: 'unknown',
      readyLatencyMs: round(ready.latencyMs),
      fault: unknownFault(
        name,
        `HTTP_${ready.statusCode}`,
        `${name} answers ${ready.statusCode} without a health document`,
        [
          `/health/ready answered ${ready.statusCode} in ${round(ready.latencyMs)} ms with no application/health+json body${ready.server ? ` (server: ${ready.server})` : ''}`,
          ...exitEvidence(lastColdStart),
        ],
      ),
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
    startedAt: str(report.startedAt),
    readyLatencyMs: round(ready.latencyMs),
    phases,
    checks,
    fault: status === 'fail' ? faultOf(name, state, startupDoc, phases, checks, str(readyDoc.output)) : null,
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10

/** A health+json document has a `status` of its own; a proxy's error page or a bare 503 does not. */
const isHealthDocument = (body: unknown): body is Doc =>
  isDoc(body) && (body.status === 'pass' || body.status === 'warn' || body.status === 'fail')

function unanswered(name: string): Omit<ServiceReading, 'state' | 'fault'> {
  return {
    name,
    status: 'fail',
    reachable: false,
    phase: null,
    startupDurationMs: null,
    startedAt: null,
    readyLatencyMs: null,
    phases: [],
    checks: [],
  }
}

/**
 * No answer, or no health document: a crashed process and a broken network look the same from here, so the
 * page says "unknown" and shows what it saw, never a guess.
 */
function unknownFault(name: string, code: string, summary: string, evidence: string[]): ServiceFault {
  return { domain: 'unknown', layer: 'unknown', code, component: null, summary, evidence }
}

/** The service's last recorded cold start, as evidence: what a failed instance left behind. */
function exitEvidence(last: ColdStartBrief | null | undefined): string[] {
  if (!last) return ['no cold start recorded for it in the last 15 minutes']
  if (last.outcome === 'ready') return [`last recorded cold start: ready at ${last.at}`]
  const fault = last.domain ? ` [${last.domain}${last.layer ? `/${last.layer}` : ''}]` : ''
  return [
    `last recorded cold start: exit 3 at ${last.at} in phase ${last.phase}, component ${last.component}: ${last.code}${fault}`,
  ]
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
        lastError: last
          ? {
              code: str(last.code) ?? '?',
              message: str(last.message) ?? '',
              ...(str(last.domain) && { domain: str(last.domain)! }),
              ...(str(last.layer) && { layer: str(last.layer)! }),
            }
          : null,
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
        domain: str(entry.domain),
        layer: str(entry.layer),
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
  // A failing dependency check is the most direct evidence; the service annotated it from its own catalog.
  const failing = checks.find((check) => check.status === 'fail' && check.name !== 'startup:state')
  if (failing) {
    const { domain, layer } = faults.classify(failing)
    return {
      domain,
      layer,
      code: failing.code ?? 'HEALTH_ERR_CHECK_FAILED',
      component: failing.name.split(':')[0] ?? null,
      summary: `${name}: check ${failing.name} is failing${failing.output ? `: ${failing.output}` : ''}`,
      evidence: [`${failing.name}: ${failing.code ?? 'fail'}${failing.output ? ` — ${failing.output}` : ''}`],
    }
  }
  const components = phases.flatMap((phase) => phase.components)
  const failure = isDoc(startupDoc.failure) ? startupDoc.failure : null
  const broken =
    components.find((c) => c.name === str(failure?.component)) ??
    components.find((c) => c.state === 'failed' || c.state === 'retrying')
  if (state === 'failed' || broken?.lastError) {
    // The component's last attempt is the most telling; the report's failure may only say "deadline".
    const subject = broken?.lastError ?? failure ?? {}
    const judged = faults.classify(subject)
    const fromFailure = faults.classify(failure ?? {})
    const { domain, layer, code } = judged.domain !== 'unknown' ? judged : fromFailure
    const where = broken ? ` in component ${broken.name}` : ''
    const shown = code ?? str(failure?.code) ?? 'STARTUP_FAILED'
    return {
      domain,
      layer,
      code: shown,
      component: broken?.name ?? null,
      summary: `${name}: startup ${state === 'failed' ? 'failed' : 'is retrying'}${where} (${shown})`,
      evidence: broken?.lastError
        ? [
            `${broken.name}, attempt ${broken.attempts}: ${broken.lastError.code} — ${broken.lastError.message}`,
          ]
        : [],
    }
  }
  if (state === 'starting') return null // not a fault yet: the timeline shows the phase it is in
  const code = readyOutput?.split(':')[0] ?? 'NOT_READY'
  const { domain, layer } = faults.classify({ code })
  return {
    domain,
    layer,
    code,
    component: null,
    summary: `${name} answers but is not ready${readyOutput ? `: ${readyOutput}` : ''}`,
    evidence: readyOutput ? [`/health/ready: ${readyOutput}`] : [],
  }
}
