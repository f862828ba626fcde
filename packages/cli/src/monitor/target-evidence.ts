import type { ProbeResult } from '@tarmac/probe'
import type { Exchange } from '../diagnose/observations.js'

/**
 * What a check saw, raw enough for diagnose's model to judge it: a health endpoint's answer (status and
 * document, or the class of no answer), or a dependency's probe. Kept in memory only — the last per target,
 * never in the history or the `--json` lines — to build the verdict an incident alert carries.
 */
export type TargetEvidence =
  | { readonly kind: 'exchange'; readonly exchange: Exchange }
  | { readonly kind: 'probe'; readonly probe: ProbeResult }

/** How many probe results of a dependency the verdict weighs (diagnose probes each dependency 3 times). */
export const PROBES_KEPT = 3

/** The last evidence of every target: one answer per health endpoint, the last few probes per dependency. */
export class EvidenceBook {
  readonly #exchanges = new Map<string, Exchange>()
  readonly #probes = new Map<string, ProbeResult[]>()

  record(target: string, evidence: TargetEvidence): void {
    if (evidence.kind === 'exchange') {
      this.#exchanges.set(target, evidence.exchange)
      return
    }
    const kept = this.#probes.get(target) ?? []
    kept.push(evidence.probe)
    if (kept.length > PROBES_KEPT) kept.shift()
    this.#probes.set(target, kept)
  }

  exchange(target: string): Exchange | undefined {
    return this.#exchanges.get(target)
  }

  probes(target: string): readonly ProbeResult[] {
    return this.#probes.get(target) ?? []
  }
}
