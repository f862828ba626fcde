/** What a startup-overhead run records (results.json) and the README tables rendered from it. */
import { markdownTable, only, pair, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'

export interface StartupOverheadResult {
  readonly components: number
  readonly phases: number
  readonly rounds: number
  readonly plainLoopMedianMs: number
  readonly loopWithTimeoutsMedianMs: number
  readonly loopWithUnreadSignalsMedianMs: number
  readonly engineRunMedianMs: number
  readonly engineShutdownMedianMs: number
  readonly engineRunPerComponentUs: number
  readonly ratioEngineToPlainLoop: number
  readonly ratioEngineToLoopWithTimeouts: number
  readonly ratioEngineToLoopWithUnreadSignals: number
}

const ROWS: readonly (readonly [string, (r: StartupOverheadResult) => number])[] = [
  ['A: plain loop of awaits', (r) => r.plainLoopMedianMs],
  ['C: loop + AbortController + timer + signal', (r) => r.loopWithTimeoutsMedianMs],
  ['C′: the same, signal never read', (r) => r.loopWithUnreadSignalsMedianMs],
  ['engine `run()`', (r) => r.engineRunMedianMs],
  ['engine `shutdown()`', (r) => r.engineShutdownMedianMs],
]

const perComponentUs = (ms: number, r: StartupOverheadResult) => ((ms / r.components) * 1000).toFixed(2)
const ratios = (r: StartupOverheadResult) =>
  `${r.ratioEngineToLoopWithTimeouts}× / ${r.ratioEngineToLoopWithUnreadSignals}× / ${r.ratioEngineToPlainLoop}×`

export const tables = {
  /** One run: the medians, per component, and the engine's ratios. */
  medians: (runs: readonly Run<StartupOverheadResult>[]) => {
    const { result } = only(runs, 'medians')
    return [
      `${result.components} components over ${result.phases} phases, medians of ${result.rounds} rounds.`,
      '',
      markdownTable(
        ['', `median for ${result.components} components (ms)`, 'per component (µs)'],
        ROWS.map(([name, of]) => [name, of(result), perComponentUs(of(result), result)]),
        [1, 2],
      ),
      '',
      `Engine \`run()\` ÷ C / ÷ C′ / ÷ A: **${ratios(result)}**.`,
    ].join('\n')
  },
  /** Two or more runs side by side (e.g. before / after a change): µs per component, and the engine's ratios. */
  compare: (runs: readonly Run<StartupOverheadResult>[]) =>
    markdownTable(
      ['µs per component', ...pair(runs, 'compare').map((run) => `\`${run.label}\``)],
      [
        ...ROWS.map(([name, of]) => [name, ...runs.map((run) => perComponentUs(of(run.result), run.result))]),
        ['engine ÷ C / ÷ C′ / ÷ A', ...runs.map((run) => ratios(run.result))],
      ],
      runs.map((_, i) => i + 1),
    ),
} satisfies BenchTables
