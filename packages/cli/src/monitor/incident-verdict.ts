import { analyse, allReady, evidenceGaps } from '../diagnose/analyse.js'
import { renderHandoff } from '../diagnose/handoff.js'
import { LAYER_GUIDANCE } from '../diagnose/layer-guidance.js'
import type { DiagnosisInput } from '../diagnose/observations.js'
import { decide } from '../diagnose/verdict.js'
import type { IncidentTarget, IncidentVerdict } from './incident.js'

const NO_OWNER = 'whoever can gather more evidence (run tarmac diagnose)'
const ownerOf = (layer: string) => LAYER_GUIDANCE[layer as keyof typeof LAYER_GUIDANCE]?.owner ?? NO_OWNER

/**
 * The verdict an incident carries: diagnose's model (`analyse` → `decide`, as `tarmac diagnose` calls it) on
 * the monitor's evidence. When the model names no fault — every service says it is ready, or nothing points
 * anywhere — the affected targets' own judgement stands (the most common domain and layer among their last
 * errors: an expiring certificate is `infrastructure/tls`), with low confidence.
 */
export function incidentVerdictOf(
  input: DiagnosisInput,
  targets: readonly IncidentTarget[],
): IncidentVerdict {
  const verdict = decide(analyse(input), allReady(input), evidenceGaps(input))
  const runnerUp = verdict.candidates[1]
  if (verdict.status === 'fault' && verdict.score > 0)
    return {
      basis: 'diagnose',
      domain: verdict.domain,
      layer: verdict.layer,
      confidence: verdict.confidence,
      score: verdict.score,
      runnerUp: runnerUp ? { domain: runnerUp.domain, layer: runnerUp.layer, score: runnerUp.score } : null,
      since: verdict.since,
      evidence: verdict.supporting.slice(0, 5).map((fact) => `${fact.fact} (${fact.source})`),
      actions: verdict.actions,
      owner: ownerOf(verdict.layer),
      handoff: renderHandoff(verdict, { at: input.at, config: 'tarmac monitor' }),
    }
  const judged = new Map<string, IncidentTarget[]>()
  for (const target of targets) {
    const key = `${target.lastError?.faultDomain ?? 'unknown'}/${target.lastError?.faultLayer ?? 'unknown'}`
    judged.set(key, [...(judged.get(key) ?? []), target])
  }
  const [key, group] = [...judged.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [
    'unknown/unknown',
    [],
  ]
  const [domain, layer] = key.split('/') as [string, string]
  const evidence = group.map(
    (target) =>
      `${target.target} is ${target.condition}: ${target.lastError?.code ?? '?'} — ${target.lastError?.message ?? ''}`,
  )
  const owner = ownerOf(layer)
  return {
    basis: 'targets',
    domain,
    layer,
    confidence: 'low',
    score: 0,
    runnerUp: null,
    since: group.map((target) => target.since).sort()[0] ?? null,
    evidence,
    actions: verdict.wouldChange.length > 0 ? [...verdict.wouldChange] : ['run tarmac diagnose'],
    owner,
    handoff: [
      `# Handoff: ${domain} / ${layer}`,
      '',
      `- **For:** ${owner}`,
      `- **From:** \`tarmac monitor\` at ${input.at}: diagnose's model names no fault across the services; the targets' own judgement follows`,
      '',
      '## What fails',
      '',
      ...evidence.map((line) => `- ${line}`),
      '',
    ].join('\n'),
  }
}
