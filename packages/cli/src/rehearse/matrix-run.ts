import type { Verdict } from '../diagnose/verdict.js'
import { diagnosisOf } from '../diagnose/model.js'
import { renderTable } from '../style.js'
import { MATRIX, type MatrixScenario } from './fault-matrix.js'

/** Done when: at least this share of the faulted scenarios named right, and no healthy verdict among them. */
export const MATRIX_TARGET_SHARE = 0.95

/** One scenario of the matrix, judged. */
export interface MatrixResult {
  readonly scenario: string
  /**
   * `constructed`: evidence built here; `rehearsed`: constructed as `tarmac rehearse <name>` records it (that
   * rehearsal injects the same fault for real); `injected`: the fault injected for real just now (`--inject`).
   */
  readonly evidence: 'constructed' | 'rehearsed' | 'injected'
  readonly expected: readonly string[]
  readonly verdict: {
    readonly status: Verdict['status']
    readonly label: string
    readonly confidence: string
    readonly score: number
  }
  /** The candidates after the verdict, heaviest first: where a second fault must show. */
  readonly runnersUp: readonly string[]
  /**
   * The verdict's score less the next candidate's: how much evidence would have to move for the verdict to flip
   * (0 for healthy). Small margins are where a change of weights bites first.
   */
  readonly margin: number
  /** The verdict is the first expected fault (or healthy when none), and the others follow it in order. */
  readonly named: boolean
  /** A faulted scenario called healthy: the one mistake that must never happen. */
  readonly healthyOnFault: boolean
}

export interface MatrixReport {
  readonly results: readonly MatrixResult[]
  readonly faulted: number
  readonly faultedNamed: number
  /** faultedNamed ÷ faulted. */
  readonly share: number
  readonly healthyOnFault: number
  readonly controls: number
  readonly controlsHealthy: number
  /** expected → verdict → count, over every scenario's first expected fault (or `healthy`). */
  readonly confusion: Readonly<Record<string, Readonly<Record<string, number>>>>
  readonly passed: boolean
}

const label = (fault: { domain: string; layer: string }) => `${fault.domain}/${fault.layer}`

/** A verdict held to its label: named when it is the first expected fault (or healthy for none) and the rest follow. */
export function matrixResult(
  scenario: string,
  evidence: MatrixResult['evidence'],
  expectedFaults: readonly { domain: string; layer: string }[],
  verdict: Verdict,
): MatrixResult {
  const expected = expectedFaults.map(label)
  const verdictLabel = verdict.status === 'healthy' ? 'healthy' : label(verdict)
  const candidates = verdict.candidates.map(label)
  const inOrder = expected.slice(1).every((fault, index) => {
    const at = candidates.indexOf(fault)
    const previous = index === 0 ? 0 : candidates.indexOf(expected[index]!)
    return at > previous
  })
  const named = expected.length === 0 ? verdict.status === 'healthy' : verdictLabel === expected[0] && inOrder
  return {
    scenario,
    evidence,
    expected: expected.length === 0 ? ['healthy'] : expected,
    verdict: {
      status: verdict.status,
      label: verdictLabel,
      confidence: verdict.confidence,
      score: verdict.score,
    },
    runnersUp: candidates.slice(1, 3),
    margin:
      verdict.status === 'healthy'
        ? 0
        : Math.round((verdict.score - (verdict.candidates[1]?.score ?? 0)) * 10) / 10,
    named,
    healthyOnFault: expected.length > 0 && verdict.status === 'healthy',
  }
}

/** Judges one scenario: its evidence through `diagnosisOf`, the verdict against its label. */
export function judgeScenario(scenario: MatrixScenario): MatrixResult {
  return matrixResult(
    scenario.name,
    scenario.rehearsed ? 'rehearsed' : 'constructed',
    scenario.expected,
    diagnosisOf(scenario.input),
  )
}

/** Runs the whole matrix: every scenario judged, then `summarise`. */
export function runMatrix(scenarios: readonly MatrixScenario[] = MATRIX): MatrixReport {
  return summarise(scenarios.map(judgeScenario))
}

/** The confusion table and the share named right, over any results (constructed and injected alike). */
export function summarise(results: readonly MatrixResult[]): MatrixReport {
  const faulted = results.filter((result) => result.expected[0] !== 'healthy')
  const controls = results.filter((result) => result.expected[0] === 'healthy')
  const confusion: Record<string, Record<string, number>> = {}
  for (const result of results) {
    const row = (confusion[result.expected[0]!] ??= {})
    row[result.verdict.label] = (row[result.verdict.label] ?? 0) + 1
  }
  const faultedNamed = faulted.filter((result) => result.named).length
  const share = faulted.length === 0 ? 1 : faultedNamed / faulted.length
  const healthyOnFault = faulted.filter((result) => result.healthyOnFault).length
  return {
    results,
    faulted: faulted.length,
    faultedNamed,
    share,
    healthyOnFault,
    controls: controls.length,
    controlsHealthy: controls.filter((result) => result.named).length,
    confusion,
    passed: share >= MATRIX_TARGET_SHARE && healthyOnFault === 0,
  }
}

/** The matrix for a terminal: each scenario, then the confusion table (columns numbered, legend below), the share. */
export function renderMatrix(report: MatrixReport): string {
  const scenarios = renderTable(
    ['scenario', 'evidence', 'expected', 'verdict', 'confidence', 'score', 'then', 'named'],
    report.results.map((result) => [
      result.scenario,
      result.evidence,
      result.expected.join(' + '),
      result.verdict.label,
      result.verdict.confidence,
      String(result.verdict.score),
      result.runnersUp.join(', ') || '—',
      result.named ? 'yes' : 'NO',
    ]),
  )
  const verdicts = [...new Set(Object.values(report.confusion).flatMap((row) => Object.keys(row)))].sort()
  const confusion = renderTable(
    ['expected ↓  verdict →', ...verdicts.map((_, index) => `(${index + 1})`)],
    Object.keys(report.confusion)
      .sort()
      .map((expected) => [
        expected,
        ...verdicts.map((verdict) => String(report.confusion[expected]![verdict] ?? '·')),
      ]),
  )
  const legend = verdicts.map((verdict, index) => `(${index + 1}) ${verdict}`).join('  ')
  const percent = (report.share * 100).toFixed(1)
  return [
    scenarios,
    '',
    'Confusion table (first expected fault against the verdict)',
    confusion,
    legend,
    '',
    `${report.faultedNamed}/${report.faulted} faulted scenarios named right (${percent} %, target ${MATRIX_TARGET_SHARE * 100} %); ` +
      `${report.healthyOnFault} healthy verdict${report.healthyOnFault === 1 ? '' : 's'} among them; ` +
      `${report.controlsHealthy}/${report.controls} fault-free scenarios healthy`,
    '',
  ].join('\n')
}
