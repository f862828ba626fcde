/** What a diagnose-matrix run records (results.json) and the README tables rendered from it. */
import type { MatrixReport } from '@tarmac/cli'
import { markdownTable, only, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'

/** The matrix report as `tarmac rehearse --matrix --json` prints it, and whether faults were injected for real. */
export interface DiagnoseMatrixResult {
  readonly injected: boolean
  readonly report: MatrixReport
}

export const tables = {
  /** The share named right, then each scenario: its evidence, what it must be named, what it was named. */
  scenarios: (runs: readonly Run<DiagnoseMatrixResult>[]) => {
    const { report } = only(runs, 'scenarios').result
    const percent = (report.share * 100).toFixed(1)
    return [
      `**${report.faultedNamed}/${report.faulted} faulted scenarios named right (${percent} %)**, ` +
        `${report.healthyOnFault} healthy verdicts among them, ` +
        `${report.controlsHealthy}/${report.controls} fault-free scenarios healthy.`,
      '',
      markdownTable(
        ['scenario', 'evidence', 'expected', 'verdict', 'confidence', 'score', 'margin', 'then', 'named'],
        report.results.map((result) => [
          result.scenario,
          result.evidence,
          result.expected.join(' + '),
          result.verdict.label,
          result.verdict.confidence,
          result.verdict.score,
          // Runs recorded before margins were: not shown rather than guessed.
          (result as { margin?: number }).margin ?? '',
          result.runnersUp.join(', ') || '—',
          result.named ? 'yes' : '**no**',
        ]),
        [5, 6],
      ),
    ].join('\n')
  },
  /** Expected (rows) against the verdict (columns): the confusion table. */
  confusion: (runs: readonly Run<DiagnoseMatrixResult>[]) => {
    const { report } = only(runs, 'confusion').result
    const verdicts = [...new Set(Object.values(report.confusion).flatMap((row) => Object.keys(row)))].sort()
    return markdownTable(
      ['expected ↓ / verdict →', ...verdicts],
      Object.keys(report.confusion)
        .sort()
        .map((expected) => [
          expected,
          ...verdicts.map((verdict) => report.confusion[expected]![verdict] ?? '·'),
        ]),
      verdicts.map((_, index) => index + 1),
    )
  },
} satisfies BenchTables
