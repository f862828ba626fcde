import type { Paint } from '../style.js'
import { WEIGHTS, type Fact } from './facts.js'
import type { Verdict } from './verdict.js'

const bullet = (fact: Fact) => `  • [${fact.source}] ${fact.fact}`

/** The verdict for a terminal: the conclusion first, then what it rests on, then everything seen. */
export function renderVerdict(verdict: Verdict, header: string, paint: Paint): string {
  const lines = [header, '']
  if (verdict.status === 'healthy') {
    lines.push(`${paint('green', 'HEALTHY')}  every service ready, nothing points at a fault`, '')
  } else {
    const colour = verdict.domain === 'unknown' ? 'yellow' : 'red'
    lines.push(
      `${paint(colour, 'VERDICT')}  ${paint('bold', `${verdict.domain} / ${verdict.layer}`)}   confidence ${verdict.confidence}   (score ${verdict.score})`,
      ...(verdict.since ? [`         since ${verdict.since}`] : []),
      // A second fault at once: named after the first, in order of weight.
      ...verdict.candidates
        .slice(1)
        .filter((candidate) => candidate.score >= WEIGHTS.report)
        .map(
          (candidate) =>
            `${paint('yellow', 'ALSO')}     ${candidate.domain} / ${candidate.layer}   (score ${candidate.score}, from ${candidate.sources} source${candidate.sources === 1 ? '' : 's'})`,
        ),
      '',
    )
    if (verdict.supporting.length > 0)
      lines.push('Evidence (what points there)', ...verdict.supporting.map(bullet), '')
  }
  if (verdict.ruledOut.length > 0)
    lines.push('Ruled out', ...verdict.ruledOut.map((line) => `  • ${line}`), '')
  if (verdict.wouldChange.length > 0)
    lines.push('What would change the verdict', ...verdict.wouldChange.map((line) => `  • ${line}`), '')
  if (verdict.status === 'fault')
    lines.push('What to do', ...verdict.actions.map((line) => `  • ${line}`), '')
  lines.push(
    paint('dim', 'Everything seen'),
    ...verdict.evidence.map((fact) => paint('dim', bullet(fact))),
    '',
  )
  return `${lines.join('\n')}\n`
}

/** The `--json` shape: `{ verdict: { domain, layer, confidence, … }, evidence: [...] , … }`. */
export function verdictJson(verdict: Verdict, at: string) {
  return {
    verdict: {
      status: verdict.status,
      domain: verdict.domain,
      layer: verdict.layer,
      confidence: verdict.confidence,
      score: verdict.score,
      since: verdict.since,
    },
    at,
    evidence: verdict.evidence,
    supporting: verdict.supporting,
    ruledOut: verdict.ruledOut,
    wouldChange: verdict.wouldChange,
    actions: verdict.actions,
    candidates: verdict.candidates,
  }
}
