import { allReady, analyse, evidenceGaps } from './analyse.js'
import { ANALYSIS_DEFAULTS, type AnalysisOptions } from './facts.js'
import type { DiagnosisInput } from './observations.js'
import { decide, type Verdict } from './verdict.js'

/**
 * The diagnosis model, whole: what was observed in, the verdict out — facts (`analyse`), weighed (`decide`), with
 * what diagnose could not see as "what would change it". `tarmac diagnose`, `rehearse`, the labelled fault matrix
 * and `monitor`'s grouping of alerts all call this one function; its signature is a contract.
 * @example
 * const verdict = diagnosisOf(await gather(config, options))
 * verdict.domain // 'infrastructure'; verdict.layer // 'connector'; verdict.candidates // every fault, heaviest first
 */
export function diagnosisOf(input: DiagnosisInput, options: Partial<AnalysisOptions> = {}): Verdict {
  const settings: AnalysisOptions = { ...ANALYSIS_DEFAULTS, ...options }
  return decide(analyse(input, settings), allReady(input), evidenceGaps(input))
}
