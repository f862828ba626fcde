import { percentileOf } from '@tarmac/sampling'
import type { ProbeResult } from '@tarmac/probe'
import { judge } from '../faults.js'
import { CONNECT_BUDGET_DEFAULTS, judgeConnects } from './connect-budget.js'
import { ANALYSIS_DEFAULTS, isServerSqlState, WEIGHTS, type AnalysisOptions, type Fact } from './facts.js'
import type {
  CapacityObservation,
  ColdStartObservation,
  ColdStartSummaryObservation,
  DependencyObservation,
  UnreadableCapacity,
} from './observations.js'
import { attribute, p95Of, type PathContext } from './path-context.js'

const ms = (value: number) => `${Math.round(value)} ms`

/** This many failed cold starts of one service with the same code at the same phase are a crash loop. */
export const CRASH_LOOP_MIN = 3

/**
 * What the collector kept of each service's cold starts. Failed ones are the evidence a dead instance left:
 * grouped by where they point, weighing more the more there are.
 */
export function coldStartFacts(observation: ColdStartObservation | null, path: PathContext): Fact[] {
  if (observation === null) return []
  const { source } = observation
  if (observation.unavailable)
    return [
      { source, fact: `no recorded cold starts: ${observation.unavailable}` },
      ...(observation.summaries ?? []).flatMap((summary) => summaryFacts(summary, path, source)),
    ]
  const minutes =
    observation.windowMs >= 120_000
      ? `${Math.round(observation.windowMs / 60_000)} minutes`
      : `${Math.round(observation.windowMs / 1000)} s`
  if (observation.records.length === 0)
    return [{ source, fact: `no cold start recorded in the last ${minutes}` }]
  const facts: Fact[] = []
  const services = [...new Set(observation.records.map((record) => record.service))]
  for (const service of services) {
    const records = observation.records.filter((record) => record.service === service)
    const ready = records.filter((record) => record.outcome === 'ready').length
    const failed = records.filter((record) => record.outcome === 'failed')
    if (ready > 0)
      facts.push({
        source,
        scope: service,
        fact: `${service}: ${ready} cold start${ready === 1 ? '' : 's'} became ready in the last ${minutes}`,
      })
    const groups = new Map<string, typeof failed>()
    for (const record of failed) {
      // The failure as the instance judged it; a deadline is judged by its cause.
      const code = record.causeCode ?? record.code ?? 'UNKNOWN'
      // The message too: a bare `fetch failed` is recorded as `TypeError` and is the network's.
      const judged = attribute(
        { code, domain: record.domain, layer: record.layer, message: record.message },
        path,
      )
      const key = `${code}|${judged.domain}|${judged.layer}|${record.phase}`
      groups.set(key, [...(groups.get(key) ?? []), record])
    }
    for (const [key, group] of groups) {
      const [code, domain, layer, phase] = key.split('|') as [string, string, string, string]
      const newest = group[0]!
      const judged = attribute({ code, domain, layer, message: newest.message }, path)
      // The same exit at the same phase, again and again: a crash loop, strong evidence for that code's domain.
      const loop = group.length >= CRASH_LOOP_MIN
      const weight = WEIGHTS.report + Math.min(2, (group.length - 1) * 0.5) + (loop ? WEIGHTS.pattern : 0)
      facts.push({
        source,
        fact: `${service}: ${loop ? 'crash loop: ' : ''}${group.length} cold start${group.length === 1 ? '' : 's'} exited 3 in phase ${phase}, component ${newest.component}: ${code} [${judged.domain}/${judged.layer}]${judged.refined ? ` (${judged.refined})` : ''}${loop ? ' — the same code at the same phase every time' : ''} — last at ${newest.at}: ${newest.message ?? ''}`,
        value: { instances: group.map((record) => record.instance) },
        ...(isServerSqlState(code) && { firm: true }),
        at: group.at(-1)!.at,
        scope: service,
        ...(judged.domain !== 'unknown' &&
          judged.layer !== 'unknown' && {
            points: { domain: judged.domain, layer: judged.layer, weight, code },
          }),
      })
    }
  }
  return facts
}

/**
 * The public summary of one service's cold starts, when the records cannot be read: the newest failure's code
 * judged, weighing more when the failures of the window ended in its phase again and again (likely a crash loop —
 * the summary keeps only the newest code, so it weighs less than a crash loop seen in the records).
 */
function summaryFacts(summary: ColdStartSummaryObservation, path: PathContext, source: string): Fact[] {
  const last = summary.lastFailure
  if (!last || summary.failed === 0) return []
  const code = last.causeCode ?? last.code
  const judged = attribute({ code, domain: last.domain, layer: last.layer }, path)
  const inPhase = summary.failedByPhase[last.phase] ?? 0
  const loop = inPhase >= CRASH_LOOP_MIN
  return [
    {
      source: source.replace('GET /startup-reports', 'GET /status/cold-starts'),
      scope: summary.service,
      at: last.at,
      fact: `${summary.service}: ${summary.failed} failed cold start${summary.failed === 1 ? '' : 's'}, ${inPhase} in phase ${last.phase}${loop ? ' (likely a crash loop)' : ''}; the newest: ${last.component}: ${code} [${judged.domain}/${judged.layer}] (the summary keeps only the newest code)`,
      ...(isServerSqlState(code) && { firm: true }),
      ...(judged.domain !== 'unknown' &&
        judged.layer !== 'unknown' && {
          points: {
            domain: judged.domain,
            layer: judged.layer,
            weight: WEIGHTS.report + (loop ? WEIGHTS.hint : 0),
            code,
          },
        }),
    },
  ]
}

/** What judging a dependency's probes needs beyond the probes. */
export interface DependencyContext {
  readonly options: AnalysisOptions
  /**
   * Some service's in-service probe connects fast through its own path: a slow connect from here is diagnose's
   * own path, and weighs nothing.
   */
  readonly servicesPathFast: boolean
}

/** The database's own response time from here: the fastest first query (`select 1` on the just-opened connection). */
function baselineOf(probes: readonly ProbeResult[]): number | null {
  const times = probes.flatMap((probe) =>
    probe.ok && typeof probe.phases.firstQuery === 'number' ? [probe.phases.firstQuery] : [],
  )
  return times.length === 0 ? null : Math.min(...times)
}

/** p95 per step over the probes that connected. */
function stepsP95(probes: readonly ProbeResult[]): Record<string, number> {
  const steps: Record<string, number> = {}
  const names = [...new Set(probes.flatMap((probe) => Object.keys(probe.phases)))]
  for (const name of names) {
    const values = probes.flatMap((probe) => {
      const value = probe.phases[name as keyof typeof probe.phases]
      return typeof value === 'number' ? [value] : []
    })
    steps[name] = percentileOf(values, 95) ?? 0
  }
  return steps
}

/**
 * Diagnose's own probes of each dependency, from where it runs: not the services' path — unless there are no
 * services, when it is the only path there is. A postgres dependency whose connects all succeed, slowly, is a
 * fault of the path (connector or network) when the database answers fast on an open connection.
 */
export function dependencyFacts(
  dependency: DependencyObservation,
  context: DependencyContext = { options: ANALYSIS_DEFAULTS, servicesPathFast: false },
): Fact[] {
  const source = `${dependency.name} (probed from here: ${dependency.target})`
  const ok = dependency.probes.filter((probe) => probe.ok)
  const failed = dependency.probes.filter((probe) => !probe.ok)
  const facts: Fact[] = []
  const p95 = p95Of(ok)
  const judged =
    dependency.type === 'postgres' && ok.length > 0 && p95 !== null
      ? judgeConnects(p95, stepsP95(ok), baselineOf(ok), {
          budgetMs: context.options.connectBudgetMs,
          source:
            context.options.connectBudgetMs === CONNECT_BUDGET_DEFAULTS.budgetMs
              ? 'db-connect of the default criteria'
              : '--connect-budget-ms',
          slowMs: context.options.slowConnectMs,
        })
      : undefined
  if (ok.length > 0 && judged?.slow) {
    const weight = context.servicesPathFast
      ? 0
      : WEIGHTS.direct + (judged.atRisk ? WEIGHTS.hint : 0) + (failed.length === 0 ? WEIGHTS.hint : 0)
    facts.push({
      source,
      fact: `${ok.length}/${dependency.probes.length} probes connected, slowly: ${judged.line}${
        context.servicesPathFast
          ? " (the services' own path is fast: this is diagnose's path)"
          : judged.layer === 'connector'
            ? ' — the time goes into establishing connections, not into the database: a connect straight to the database (bypassing the connector) as slow as this, or a slow round trip on an open connection, would point at the database instead'
            : ''
      }`,
      value: { p95Ms: p95, share: judged.share, timesBaseline: judged.timesBaseline },
      ...(weight > 0 && {
        points: { domain: 'infrastructure' as const, layer: judged.layer, weight },
      }),
      // The server answered every connect and every query: it is up, and the credentials work.
      ...(failed.length === 0 &&
        judged.layer !== 'postgres-availability' && {
          clears: ['postgres-availability' as const, 'postgres-auth' as const],
        }),
    })
  } else if (ok.length > 0)
    facts.push({
      source,
      // Over the slow bound but within 10× the database's own round trip: a far database, said so.
      fact: `${ok.length}/${dependency.probes.length} probes connected, p95 ${ms(p95 ?? 0)}${judged && (p95 ?? 0) >= context.options.slowConnectMs ? ` (${judged.line}: far, not slow)` : ''}`,
      ...(failed.length === 0 &&
        dependency.type === 'postgres' && { clears: ['postgres-availability' as const] }),
    })
  const classes = [...new Set(failed.map((probe) => probe.error!.class))]
  for (const errorClass of classes) {
    const first = failed.find((probe) => probe.error!.class === errorClass)!.error!
    // For the database itself, a refused port means nothing listens where it should: the server is down.
    const judgedClass =
      dependency.type === 'postgres' && errorClass === 'TCP_REFUSED'
        ? { domain: 'infrastructure' as const, layer: 'postgres-availability' as const }
        : judge(errorClass)
    facts.push({
      source,
      fact: `probe failed: ${errorClass} in ${first.phase} — ${first.message}`,
      ...(judgedClass.domain !== 'unknown' &&
        judgedClass.layer !== 'unknown' && {
          points: {
            domain: judgedClass.domain,
            layer: judgedClass.layer,
            weight: WEIGHTS.direct,
            code: errorClass,
          },
        }),
    })
  }
  return facts
}

/** The database's slots, read directly: none free is capacity, whatever the services say. */
export function capacityFacts(capacity: CapacityObservation | UnreadableCapacity | null): Fact[] {
  if (capacity === null) return []
  const source = `${capacity.dependency} capacity (pg_stat_activity)`
  if ('unreadable' in capacity) {
    const { code, message } = capacity.unreadable
    const full = code === 'PG_ERR_TOO_MANY_CONNECTIONS'
    return [
      {
        source,
        fact: `unreadable: ${code} — ${message}${full ? ' (not even a reserved slot was free)' : ''}`,
        ...(full && {
          points: { domain: 'infrastructure', layer: 'postgres-capacity', weight: WEIGHTS.capacity, code },
        }),
      },
    ]
  }
  if (capacity.embedded || capacity.inUse === null || capacity.available === null) return []
  const holders = Object.entries(capacity.byApplication)
    .sort((a, b) => b[1] - a[1])
    .map(([application, count]) => `${application || '(none)'} ${count}`)
    .join(', ')
  const fact = `${capacity.inUse} of ${capacity.maxConnections} slots in use (${capacity.reserved} reserved): ${holders}`
  return [
    capacity.available === 0
      ? {
          source,
          fact,
          value: capacity,
          points: { domain: 'infrastructure', layer: 'postgres-capacity', weight: WEIGHTS.capacity },
        }
      : {
          source,
          fact: `${fact}; ${capacity.available} free`,
          value: capacity,
          clears: ['postgres-capacity'],
        },
  ]
}
