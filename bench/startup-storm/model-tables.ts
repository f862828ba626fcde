/**
 * The storm model's tables, computed from a run's own measurements (the model is seeded, so the same results
 * file always renders the same figures): each real contestant beside its prediction, and the fleets this
 * machine cannot start.
 */
import { markdownTable } from '../readme-tables.js'
import type { Run } from '../results-file.js'
import { CONTESTANTS, type Contestant } from './contestants.js'
import { effectiveCores, fleetTable, modelResult } from './model.js'
import type { ContestantResult, StartupStormResult } from './report.js'
import { SCENARIOS, UNCONSTRAINED } from './scenarios.js'

/** The limit the issue sets: the model's p95 and readiness within 15 % of each real scenario. */
export const MODEL_TOLERANCE_PCT = 15
export const FLEET_SIZES = [100, 500, 1_000] as const

const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : (ms / 1000).toFixed(1))
const contestant = (name: string): Contestant => CONTESTANTS.find((c) => c.name === name)!
const signed = (value: number | null, unit: string) =>
  value === null ? '—' : `${value > 0 ? '+' : ''}${value.toFixed(1)}${unit}`

/** Each contestant of the run beside the model's prediction, calibrated on the same scenario's floor. */
export function modelRows(results: readonly ContestantResult[]): string[][] {
  return SCENARIOS.flatMap((scenario) => {
    const mine = results.filter((r) => r.scenario === scenario.name)
    const floor = mine.find((r) => r.contestant === 'tarmac-floor')
    const cores = floor ? effectiveCores(floor) : null
    if (cores === null) return []
    return mine
      .filter((r) => r.contestant !== 'tarmac-floor')
      .map((r) => {
        const m = modelResult(scenario, contestant(r.contestant), r, cores, UNCONSTRAINED)
        const within =
          m !== null &&
          Math.abs(m.p95ErrorPct ?? 0) <= MODEL_TOLERANCE_PCT &&
          Math.abs(m.readyErrorPoints) <= MODEL_TOLERANCE_PCT
        return [
          scenario.name,
          r.contestant,
          cores.toFixed(2),
          `${r.readyPct} %, ${s(r.p95ReadyMs)}`,
          m ? `${m.readyPct} %, ${s(m.p95ReadyMs)}` : '—',
          signed(m?.p95ErrorPct ?? null, ' %'),
          signed(m?.readyErrorPoints ?? null, ' pt'),
          within ? 'yes' : '**no**',
        ]
      })
  })
}

export const modelTables = {
  /** Real beside modelled, per scenario and contestant. */
  model: (runs: readonly Run<StartupStormResult>[]) =>
    markdownTable(
      [
        'scenario',
        'contestant',
        'effective cores (floor)',
        'real: ready, p95 (s)',
        'model: ready, p95 (s)',
        'p95 error',
        'ready error',
        `within ${MODEL_TOLERANCE_PCT} %`,
      ],
      runs.flatMap((run) => modelRows(run.result.results)),
      [2, 5, 6],
    ),
  /**
   * Tarmac fleets of 100 / 500 / 1,000 through each scenario's connector, each instance on its own CPU with the
   * CPU to ready the run measured for `tarmac`, into a database with one slot per instance, then a fifth short.
   */
  fleet: (runs: readonly Run<StartupStormResult>[]) => {
    const tarmac = contestant('tarmac')
    const rows = runs.flatMap((run) =>
      SCENARIOS.flatMap((scenario) => {
        const real = run.result.results.find((r) => r.scenario === scenario.name && r.contestant === 'tarmac')
        if (!real?.cpuMsToReadyMean) return []
        return [1, 0.8].flatMap((slots) =>
          fleetTable(scenario.connector, real.cpuMsToReadyMean!, FLEET_SIZES, slots, tarmac).map((row) => [
            scenario.name,
            String(row.instances),
            `${row.slotsForFleet} (${slots} each)`,
            `${row.readyPct} %`,
            s(row.p95ReadyMs),
            String(row.refused),
            row.establishmentsPerInstance.toFixed(2),
          ]),
        )
      }),
    )
    return markdownTable(
      [
        'connector (scenario)',
        'instances',
        'server slots',
        'ready',
        'p95 (s)',
        '53300',
        'establishments / instance',
      ],
      rows,
      [1, 3, 4, 5, 6],
    )
  },
}
