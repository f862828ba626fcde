import type { Contestant } from './contestants.js'
import type { InstanceOutcome } from './fleet.js'
import type { Scenario } from './scenarios.js'

/** One contestant in one scenario: what the table and results.json show. */
export interface ContestantResult {
  readonly scenario: string
  readonly contestant: string
  readonly instances: number
  readonly readyPct: number
  /** Over the instances that became ready. */
  readonly p50ReadyMs: number | null
  readonly p95ReadyMs: number | null
  readonly maxReadyMs: number | null
  /** The connector model's time to establish one connection per instance (scenarios.ts). */
  readonly admissionLimitMs: number
  /** p95 of `tarmac-floor` in the same scenario run; set once the scenario is done. */
  readonly cpuFloorMs?: number | null
  /** p95 ÷ max(admission limit, CPU floor). */
  readonly ratio?: number | null
  /** Server-side refusals ("sorry, too many clients already") in the Postgres log during the run. */
  readonly tooManyClients: number
  readonly exits: Readonly<Record<string, number>>
  /** Most client backends of the fleet's application seen at once; and of the app role in all (auth too). */
  readonly peakBackends: number
  readonly peakAll: number
  /** Connector establishments while the fleet started, per instance. */
  readonly establishmentsPerInstance: number
  /** The fleet's backends still on the server 2 s after every process exited. */
  readonly backendsLeft: number
  readonly cpuMsToReadyMean: number | null
  readonly wallMs: number
  readonly failures: readonly string[]
  readonly loadAverageBefore?: number
  /** Through a pooler: its peak client and server connections (admin console, SHOW POOLS). */
  readonly pooler?: { readonly clients: number; readonly servers: number; readonly waiting: number }
}

const percentile = (sorted: readonly number[], p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

export function summarise(input: {
  scenario: Scenario
  contestant: Contestant
  instances: number
  outcomes: readonly InstanceOutcome[]
  admissionLimitMs: number
  establishedDuringStartup: number
  peakBackends: number
  peakAll: number
  tooManyClients: number
  backendsLeft: number
  wallMs: number
  pooler?: { clients: number; servers: number; waiting: number }
}): ContestantResult {
  const ready = input.outcomes
    .map((o) => o.readyMs)
    .filter((ms): ms is number => ms !== null)
    .sort((a, b) => a - b)
  const exits: Record<string, number> = {}
  for (const { exit } of input.outcomes) if (exit !== null) exits[exit] = (exits[exit] ?? 0) + 1
  const cpu = input.outcomes.map((o) => o.cpuMsAtReady).filter((ms): ms is number => ms !== null)
  const failures = [...new Set(input.outcomes.map((o) => o.failureLine).filter((l): l is string => !!l))]
  return {
    scenario: input.scenario.name,
    contestant: input.contestant.name,
    instances: input.instances,
    readyPct: Math.round((ready.length / input.instances) * 1000) / 10,
    p50ReadyMs: percentile(ready, 50),
    p95ReadyMs: percentile(ready, 95),
    maxReadyMs: ready.at(-1) ?? null,
    admissionLimitMs: input.admissionLimitMs,
    tooManyClients: input.tooManyClients,
    exits,
    peakBackends: input.peakBackends,
    peakAll: input.peakAll,
    establishmentsPerInstance: Math.round((input.establishedDuringStartup / input.instances) * 100) / 100,
    backendsLeft: input.backendsLeft,
    cpuMsToReadyMean: cpu.length ? Math.round(cpu.reduce((a, b) => a + b, 0) / cpu.length) : null,
    wallMs: input.wallMs,
    failures: failures.slice(0, 5),
    ...(input.pooler && { pooler: { ...input.pooler } }),
  }
}

const s = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : (ms / 1000).toFixed(1)

/** A markdown table, one row per result. */
export function table(results: readonly ContestantResult[], options: { header: boolean }): string {
  const rows = results.map((r) =>
    [
      r.scenario,
      r.contestant,
      `${r.readyPct} %`,
      `${s(r.p50ReadyMs)} / ${s(r.p95ReadyMs)} / ${s(r.maxReadyMs)}`,
      s(r.admissionLimitMs),
      s(r.cpuFloorMs),
      r.ratio === undefined || r.ratio === null ? '—' : `**${r.ratio.toFixed(2)}**`,
      String(r.tooManyClients),
      Object.entries(r.exits)
        .map(([code, n]) => `${n}× ${code}`)
        .join(', ') || '—',
      `${r.peakBackends} (${r.peakAll})`,
      r.pooler ? `${r.pooler.clients} / ${r.pooler.servers}` : '—',
      r.establishmentsPerInstance.toFixed(2),
      String(r.backendsLeft),
      s(r.cpuMsToReadyMean),
      r.loadAverageBefore === undefined ? '' : r.loadAverageBefore.toFixed(2),
    ].join(' | '),
  )
  const header = [
    'scenario | contestant | ready | ready p50 / p95 / max (s) | admission limit (s) | CPU floor (s) | p95 ÷ max(limit, floor) | 53300 | exits | peak backends (all) | pooler clients / servers | establishments / instance | left | CPU to ready (s) | load',
    '--- | --- | --: | --: | --: | --: | --: | --: | --- | --: | --: | --: | --: | --: | --:',
  ]
  return [...(options.header ? header : []), ...rows].map((row) => `| ${row} |`).join('\n')
}

/** What a startup-storm run records in results.json. */
export interface StartupStormResult {
  /** One per contestant per scenario, in the order they ran. */
  readonly results: readonly ContestantResult[]
}
