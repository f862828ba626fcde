import { FAULT_LAYER_MEANINGS, isFaultLayer } from '@tarmac/faults'
import { LAYER_GUIDANCE } from './layer-guidance.js'
import type { Verdict } from './verdict.js'

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/**
 * A handoff for the team that owns the faulty layer, in markdown: what fails, since when, the measurements,
 * what was ruled out, what to do, and what would change the verdict. Everything in it is evidence diagnose saw.
 */
export function renderHandoff(verdict: Verdict, context: { at: string; config: string }): string {
  const layer = isFaultLayer(verdict.layer) ? verdict.layer : undefined
  const owner = layer ? LAYER_GUIDANCE[layer].owner : 'whoever can gather more evidence'
  const title =
    verdict.status === 'healthy' ? 'nothing to hand off: healthy' : `${verdict.domain} / ${verdict.layer}`
  const lines = [
    `# Handoff: ${title}`,
    '',
    `- **For:** ${owner}`,
    `- **From:** \`tarmac diagnose\` at ${context.at} (${context.config})`,
    `- **Confidence:** ${verdict.confidence} (score ${verdict.score}${verdict.candidates[1] ? `; runner-up ${verdict.candidates[1].domain}/${verdict.candidates[1].layer} at ${verdict.candidates[1].score}` : ''})`,
    ...(layer ? [`- **Layer:** ${layer} — ${FAULT_LAYER_MEANINGS[layer]}`] : []),
    '',
    '## What fails',
    '',
    ...(verdict.supporting.length > 0
      ? verdict.supporting.map((fact) => `- ${fact.fact} _(${fact.source})_`)
      : ['- no single fact points at a layer: see what would change the verdict']),
    '',
    '## Since when',
    '',
    verdict.since
      ? `The earliest failure recorded is at ${verdict.since}.`
      : 'Not recorded: no failing evidence carries a time.',
    '',
    '## Measurements',
    '',
    '| source | what was seen |',
    '| --- | --- |',
    ...verdict.evidence.map((fact) => `| ${cell(fact.source)} | ${cell(fact.fact)} |`),
    '',
    '## Ruled out',
    '',
    ...(verdict.ruledOut.length > 0
      ? verdict.ruledOut.map((line) => `- ${line}`)
      : ['- nothing was shown to be working']),
    '',
    '## What to do',
    '',
    ...verdict.actions.map((line) => `- ${line}`),
    '',
    '## What would change this verdict',
    '',
    ...(verdict.wouldChange.length > 0
      ? verdict.wouldChange.map((line) => `- ${line}`)
      : ['- nothing: the evidence is consistent']),
    '',
  ]
  return lines.join('\n')
}
