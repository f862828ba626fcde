import { isFaultDomain, isFaultLayer, type FaultLayer } from '@tarmac/faults'
import type { Fact } from './facts.js'
import { ANALYSIS_DEFAULTS, isServerSqlState, measuredNow, WEIGHTS, type AnalysisOptions } from './facts.js'
import { judgeConnects } from './connect-budget.js'
import type { Exchange, ServiceObservation } from './observations.js'
import { attribute, type PathContext } from './path-context.js'

type Json = Record<string, unknown>
const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null
const str = (value: unknown) => (typeof value === 'string' ? value : undefined)
const ms = (value: number) => `${Math.round(value)} ms`

/** A health document in an answer: an object with a health+json `status`. */
function documentOf(exchange: Exchange): Json | undefined {
  if (!exchange.answered || !isJson(exchange.body)) return undefined
  const { status } = exchange.body
  return status === 'pass' || status === 'warn' || status === 'fail' ? exchange.body : undefined
}

const seenHeaders = (headers: Readonly<Record<string, string>> | undefined) => {
  const seen = Object.entries(headers ?? {}).map(([name, value]) => `${name}: ${value}`)
  return seen.length === 0 ? '' : ` (${seen.join(', ')})`
}

function readyFacts(service: ServiceObservation): Fact[] {
  const source = `${service.name} /health/ready`
  const { ready } = service
  if (!ready.answered)
    return [
      {
        source,
        fact: `no answer: ${ready.errorClass} after ${ms(ready.latencyMs)} (a crashed process and a broken network look the same from here)`,
        value: ready.errorClass,
      },
    ]
  const doc = documentOf(ready)
  if (!doc)
    return [
      {
        source,
        // What was seen, so an operator can tell a platform's 503 (no instance up) from a proxy's error page.
        fact: `HTTP ${ready.status} without a health document after ${ms(ready.latencyMs)}${seenHeaders(ready.headers)}: not the service's own answer (a platform or proxy answered; a recorded cold start says why the service is not up)`,
        value: ready.status,
      },
    ]
  if (doc.status === 'fail')
    return [{ source, fact: `not ready: ${str(doc.output) ?? `HTTP ${ready.status}`}`, value: doc.status }]
  return [{ source, fact: doc.status === 'warn' ? 'ready, with warnings' : 'ready', value: doc.status }]
}

function startupFacts(service: ServiceObservation, path: PathContext): Fact[] {
  const doc = documentOf(service.startup)
  const report = doc && isJson(doc.report) ? doc.report : undefined
  if (!report) return []
  const source = `${service.name} /health/startup`
  const facts: Fact[] = []
  const components = (Array.isArray(report.phases) ? report.phases : [])
    .filter(isJson)
    .flatMap((phase) => (Array.isArray(phase.components) ? phase.components.filter(isJson) : []))
  for (const component of components) {
    const details = isJson(component.details) ? component.details : {}
    const connect = isJson(details.connect) ? details.connect : undefined
    if (connect && typeof connect.totalMs === 'number')
      facts.push({
        source,
        fact: `${String(component.name)}: admission connect took ${ms(connect.totalMs)}`,
        value: connect,
      })
    const budget = isJson(details.budget) ? details.budget : undefined
    if (budget && typeof budget.reason === 'string')
      facts.push({
        source,
        fact: `pool budget: ${budget.reason}`,
        value: budget,
        ...(budget.fits === false && {
          points: { domain: 'infrastructure', layer: 'postgres-capacity', weight: WEIGHTS.hint },
        }),
      })
    const errors = Array.isArray(component.errors) ? component.errors.filter(isJson) : []
    const last = errors.at(-1)
    const failing =
      component.state === 'failed' || component.state === 'retrying' || component.state === 'degraded'
    if (last && failing) {
      const judged = attribute(last, path)
      facts.push({
        source,
        fact: `${String(component.name)} is ${String(component.state)} after ${String(component.attempts)} attempts: ${str(last.code)} — ${str(last.message) ?? ''}${judged.refined ? ` (${judged.refined})` : ''}`,
        value: { code: last.code, evidence: last.evidence },
        ...(judged.domain !== 'unknown' &&
          judged.layer !== 'unknown' && {
            points: {
              domain: judged.domain,
              layer: judged.layer,
              weight: WEIGHTS.report,
              code: str(last.code),
            },
          }),
        ...(str(last.at) && { at: str(last.at) }),
      })
    }
  }
  return facts
}

const asOf = (time: string | undefined) =>
  time && /T\d\d:\d\d:\d\d/.test(time) ? ` (as of ${time.slice(11, 19)} UTC)` : ''

function checkFacts(service: ServiceObservation, path: PathContext): Fact[] {
  const doc = documentOf(service.infrastructure)
  if (!doc || !isJson(doc.checks)) return []
  const source = `${service.name} /health/infrastructure`
  const facts: Fact[] = []
  for (const [name, entries] of Object.entries(doc.checks)) {
    const entry = Array.isArray(entries) ? entries.find(isJson) : undefined
    if (!entry) continue
    const layer = entry.layer
    const about = name.split(':')[0]!
    if (entry.status === 'pass' && isFaultLayer(layer)) {
      facts.push({ source, about, fact: `${name} passes`, value: entry.observedValue, clears: [layer] })
    } else if (entry.status === 'fail') {
      const judged = attribute(entry, path)
      const known = isFaultDomain(judged.domain) && isFaultLayer(judged.layer)
      facts.push({
        source,
        about,
        ...(isServerSqlState(str(entry.code)) && { firm: true }),
        // A background check's result is as old as its last run: say when, so a stale one reads as such.
        fact: `${name} fails${asOf(str(entry.time))}: ${str(entry.code) ?? ''}${str(entry.output) ? ` — ${str(entry.output)}` : ''}`,
        value: entry.observedValue,
        ...(known && {
          points: {
            domain: judged.domain,
            layer: judged.layer,
            weight: WEIGHTS.report,
            code: str(entry.code),
          },
        }),
        ...(str(entry.time) && { at: str(entry.time) }),
      })
    }
  }
  return facts
}

interface ProbeBody {
  connects?: number
  ok?: number
  attempts?: { ok?: boolean; code?: string; phase?: string; errorClass?: string; message?: string }[]
  stepsMs?: Record<string, { p50: number; p95: number }>
  capacity?: {
    embedded?: boolean
    maxConnections?: number
    inUse?: number | null
    available?: number | null
  } | null
}

const PATH_LAYERS: readonly FaultLayer[] = [
  'dns',
  'tcp',
  'tls',
  'connector',
  'postgres-auth',
  'postgres-availability',
]

/** A connect's steps as an operator reads them: `auth` is the wait for the server's first answer. */
const STEP_NAMES: Readonly<Record<string, string>> = {
  dns: 'DNS',
  tcp: 'the TCP connect',
  ssl: 'the TLS handshake',
  auth: "the startup handshake (until the server's first answer)",
  firstQuery: 'the first query',
}

/** The service's own connect deadline: the per-attempt timeout of the component that reports a connect. */
function connectDeadlineOf(service: ServiceObservation): number | undefined {
  const doc = documentOf(service.startup)
  const report = doc && isJson(doc.report) ? doc.report : undefined
  const components = (Array.isArray(report?.phases) ? report.phases : [])
    .filter(isJson)
    .flatMap((phase) => (Array.isArray(phase.components) ? phase.components.filter(isJson) : []))
  const connecting = components.find(
    (component) => isJson(component.details) && isJson(component.details.connect),
  )
  return typeof connecting?.timeoutMs === 'number' && connecting.timeoutMs > 0
    ? connecting.timeoutMs
    : undefined
}

function probeFacts(service: ServiceObservation, path: PathContext, options: AnalysisOptions): Fact[] {
  const slowConnectMs = options.slowConnectMs
  const source = `${service.name} in-service probe`
  const { probe } = service
  if (probe === null) return []
  if (!probe.answered) return [{ source, fact: `unavailable: ${probe.errorClass}` }]
  if (probe.status === 404) return [] // a service with no database to probe
  const body = (isJson(probe.body) ? probe.body : {}) as ProbeBody
  if (probe.status !== 200 || !Array.isArray(body.attempts))
    return [
      {
        source,
        fact: `unavailable: HTTP ${probe.status}${probe.status === 401 ? ' (give diagnose the health token)' : ''}`,
      },
    ]
  const facts: Fact[] = []
  const attempts = body.attempts
  const steps = body.stepsMs ?? {}
  const total = steps.total?.p95
  const stepLine = Object.entries(steps)
    .filter(([step]) => step !== 'total')
    .map(([step, figures]) => `${step} ${ms(figures.p95)}`)
    .join(', ')
  const failed = attempts.filter((attempt) => !attempt.ok)
  if (failed.length === 0 && total !== undefined && total < slowConnectMs) {
    facts.push({
      source,
      fact: `${attempts.length}/${attempts.length} fresh connects from inside ${service.name}: p95 ${ms(total)} (${stepLine})`,
      value: steps,
      clears: PATH_LAYERS,
    })
  } else if (failed.length === 0 && total !== undefined) {
    // All connected, slowly. Where the time goes, and whether the database is slow from here too, says who.
    const slowest = Object.entries(steps)
      .filter(([step]) => step !== 'total')
      .sort((a, b) => b[1].p95 - a[1].p95)[0]?.[0]
    const layer: FaultLayer =
      slowest === 'dns'
        ? 'dns'
        : path.databaseFastFromHere || path.directP95Ms === null
          ? 'connector'
          : 'postgres-availability'
    const why =
      path.directP95Ms === null ? '' : `; from here the database answers in ${ms(path.directP95Ms)} (p95)`
    // Against the service's own deadline (its startup report), else db-connect's; and the database's own time.
    const deadlineMs = connectDeadlineOf(service)
    const judged = judgeConnects(
      total,
      Object.fromEntries(Object.entries(steps).map(([step, figures]) => [step, figures.p95])),
      steps.firstQuery?.p50 ?? null,
      {
        budgetMs: deadlineMs ?? options.connectBudgetMs,
        source: deadlineMs === undefined ? 'db-connect' : `${service.name}'s own connect deadline`,
        slowMs: slowConnectMs,
      },
    )
    facts.push({
      source,
      fact: `${attempts.length} fresh connects from inside ${service.name} are slow: p95 ${ms(total)}, most of it in ${STEP_NAMES[slowest ?? ''] ?? slowest} (${stepLine})${why}; ${judged.line}`,
      value: steps,
      points: {
        domain: 'infrastructure',
        layer,
        weight: WEIGHTS.inService + (judged.atRisk ? WEIGHTS.hint : 0),
      },
      clears: ['postgres-auth'],
    })
  }
  const byCode = new Map<string, typeof failed>()
  for (const attempt of failed)
    byCode.set(attempt.code ?? 'UNKNOWN', [...(byCode.get(attempt.code ?? 'UNKNOWN') ?? []), attempt])
  for (const [code, group] of byCode) {
    const judged = attribute({ code }, path)
    const share = group.length / attempts.length
    facts.push({
      source,
      fact: `${group.length}/${attempts.length} fresh connects from inside ${service.name} failed: ${code} in ${group[0]!.phase ?? '?'} — ${group[0]!.message ?? ''}${judged.refined ? ` (${judged.refined})` : ''}`,
      value: group.map((attempt) => attempt.errorClass),
      ...(judged.domain !== 'unknown' &&
        judged.layer !== 'unknown' && {
          points: {
            domain: judged.domain,
            layer: judged.layer,
            weight: WEIGHTS.inService * Math.max(0.5, share),
            code,
          },
        }),
    })
  }
  const capacity = body.capacity
  if (capacity && !capacity.embedded && typeof capacity.available === 'number')
    facts.push({
      source,
      fact: `the database, seen from inside ${service.name}: ${capacity.inUse} connections in use, ${capacity.available} free (max_connections ${capacity.maxConnections})`,
      value: capacity,
      global: true, // the server's slots are everyone's
      ...(capacity.available === 0
        ? {
            points: {
              domain: 'infrastructure' as const,
              layer: 'postgres-capacity' as const,
              weight: WEIGHTS.capacity,
            },
          }
        : { clears: ['postgres-capacity' as const] }),
    })
  return facts
}

/** Everything one service's documents and its in-service probe say, about that service's path. */
export function serviceFacts(
  service: ServiceObservation,
  path: PathContext,
  options: AnalysisOptions = ANALYSIS_DEFAULTS,
): Fact[] {
  return [
    ...readyFacts(service),
    ...startupFacts(service, path),
    ...checkFacts(service, path),
    ...probeFacts(service, path, options).map((fact) => ({ ...measuredNow(fact), about: 'postgres' })),
  ].map((fact) => (fact.global ? fact : { ...fact, scope: service.name }))
}
