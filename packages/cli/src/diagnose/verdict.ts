import type { VerdictDomain, VerdictLayer } from '@tarmac/faults'
import { faults } from '../faults.js'
import { WEIGHTS, type Fact } from './facts.js'
import { LAYER_GUIDANCE } from './layer-guidance.js'

export const CONFIDENCES = ['high', 'medium', 'low'] as const
export type Confidence = (typeof CONFIDENCES)[number]

/** What diagnose concludes, and everything it rests on. */
export interface Verdict {
  readonly status: 'healthy' | 'fault'
  readonly domain: VerdictDomain
  readonly layer: VerdictLayer
  readonly confidence: Confidence
  /** The winning candidate's score, and the others'. */
  readonly score: number
  readonly candidates: readonly { domain: string; layer: string; score: number; sources: number }[]
  /** The facts that point at the verdict, strongest first. */
  readonly supporting: readonly Fact[]
  /** Every fact, in the order gathered. */
  readonly evidence: readonly Fact[]
  /** Layers shown to be working, each with the fact that shows it. */
  readonly ruledOut: readonly string[]
  readonly wouldChange: readonly string[]
  /** What to do: the catalog's action for each supporting code, then the layer's owner. */
  readonly actions: readonly string[]
  /** The earliest time a supporting fact reports. */
  readonly since: string | null
}

interface Candidate {
  domain: string
  layer: string
  score: number
  sources: Set<string>
  facts: Fact[]
}

/**
 * A fact rules its layers out for its own scope, or for everyone when it has none, and only for facts about the
 * same thing on that path (`about`: the database, or a check's component) — but a cached result
 * ("postgres:capacity passes", as of its last run) never rules out what a fresh measurement shows failing.
 */
const clearsFor = (clear: Fact, fact: Fact) =>
  (clear.scope === undefined || clear.scope === fact.scope) &&
  (clear.about === undefined || fact.about === undefined || clear.about === fact.about) &&
  (clear.fresh === true || fact.fresh !== true)

/**
 * Weighs the evidence: every fact that points at a (domain, layer) adds its weight; every fact that shows a
 * layer working takes `WEIGHTS.clear` off that layer. The heaviest candidate is the verdict. Confidence is high
 * when two or more sources agree, it outweighs the runner-up twice over and scores at least 4; medium when it
 * still outweighs the runner-up twice over; low otherwise. No candidate, with a service not ready: `unknown`,
 * and what would change it is `gaps` (`evidenceGaps`: what diagnose could not see).
 */
export function decide(evidence: readonly Fact[], allReady: boolean, gaps: readonly string[] = []): Verdict {
  const clearing = evidence.filter((fact) => fact.clears && fact.clears.length > 0)
  const candidates = new Map<string, Candidate>()
  for (const fact of evidence) {
    if (!fact.points) continue
    const { domain, layer, weight } = fact.points
    const key = `${domain}/${layer}`
    const candidate = candidates.get(key) ?? { domain, layer, score: 0, sources: new Set(), facts: [] }
    const cleared = fact.firm
      ? 0
      : clearing.filter((clear) => clear.clears!.includes(layer) && clearsFor(clear, fact)).length
    candidate.score += Math.max(0, weight - WEIGHTS.clear * cleared)
    candidate.sources.add(fact.source.split(' ')[0]!)
    candidate.facts.push(fact)
    candidates.set(key, candidate)
  }
  const ruledOut = clearing.map(
    (fact) =>
      `${fact.clears!.join(', ')}${fact.scope ? ` (for ${fact.scope})` : ''}: ${fact.fact} — ${fact.source}`,
  )
  const ranked = [...candidates.values()].sort((a, b) => b.score - a.score)
  const winner = ranked[0] && ranked[0].score > 0 ? ranked[0] : undefined
  const runnerUp = ranked[1]?.score ?? 0
  const base = {
    candidates: ranked.map(({ domain, layer, score, sources }) => ({
      domain,
      layer,
      score: round(score),
      sources: sources.size,
    })),
    evidence,
    ruledOut: [...new Set(ruledOut)],
  }
  if (!winner) {
    const healthy = allReady
    return {
      ...base,
      status: healthy ? 'healthy' : 'fault',
      domain: healthy ? 'unknown' : 'unknown',
      layer: 'unknown',
      confidence: healthy ? 'high' : 'low',
      score: 0,
      supporting: [],
      wouldChange: healthy ? [] : gaps,
      actions: ['gather more evidence: see "what would change the verdict"'],
      since: null,
    }
  }
  const confidence: Confidence =
    winner.score >= 4 && winner.sources.size >= 2 && runnerUp <= winner.score / 2
      ? 'high'
      : runnerUp <= winner.score / 2
        ? 'medium'
        : 'low'
  const supporting = [...winner.facts].sort((a, b) => (b.points?.weight ?? 0) - (a.points?.weight ?? 0))
  const codes = [...new Set(supporting.flatMap((fact) => (fact.points?.code ? [fact.points.code] : [])))]
  const guidance = LAYER_GUIDANCE[winner.layer as keyof typeof LAYER_GUIDANCE]
  const actions = [
    ...codes.flatMap((code) => {
      const declared = faults.lookup(code)
      return declared ? [`${code}: ${declared.action}`] : []
    }),
    ...(guidance ? [guidance.action, `hand it to ${guidance.owner}`] : []),
  ]
  const times = supporting.flatMap((fact) => (fact.at ? [fact.at] : [])).sort()
  return {
    ...base,
    status: 'fault',
    domain: winner.domain as VerdictDomain,
    layer: winner.layer as VerdictLayer,
    confidence,
    score: round(winner.score),
    supporting,
    wouldChange: [
      ...(guidance ? [guidance.wouldChange] : []),
      ...ranked
        .slice(1)
        .filter((candidate) => candidate.score > 0)
        .map(
          (candidate) =>
            `more evidence for ${candidate.domain}/${candidate.layer} (now ${round(candidate.score)} against ${round(winner.score)})`,
        ),
    ],
    actions,
    since: times[0] ?? null,
  }
}

const round = (value: number) => Math.round(value * 10) / 10
