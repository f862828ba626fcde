import type { VerdictDomain, VerdictLayer } from '@tarmac/faults'
import { judge } from '../faults.js'
import type { TarmacConfig } from '../config/config-schema.js'
import type { CriteriaCheck } from './criteria-schema.js'

/** Error classes of validate itself, besides `@tarmac/probe`'s. */
export const VALIDATE_ERROR_CLASSES = [
  'HTTP_STATUS',
  'HEALTH_FAIL',
  'ASSERTION_FAILED',
  'OVER_BOUND',
  'STARTING',
  'NO_DETAILS',
  'CHAT_FAILED',
] as const

/** Why one sample failed: a class, a one-line message, and whose move it is. */
export interface SampleFailure {
  readonly class: string
  readonly message: string
  readonly faultDomain: VerdictDomain
  readonly faultLayer: VerdictLayer
}

/** One sample: whether it passed, the time it measured (the value the percentile bound applies to). */
export interface Sample {
  readonly ok: boolean
  readonly valueMs?: number
  readonly failure?: SampleFailure
}

/** What a check runner gets: the config (services, dependencies) and the environment (health tokens). */
export interface CheckContext {
  readonly config: TarmacConfig
  readonly env: NodeJS.ProcessEnv
  readonly timeoutMs: number
}

/** Takes samples of one check; `close` releases what `prepare` made (a signed-up user's socket…). */
export interface Sampler {
  sample(): Promise<Sample>
  close?(): Promise<void>
}

export type SamplerFactory<C extends CriteriaCheck = CriteriaCheck> = (
  check: C,
  context: CheckContext,
) => Promise<Sampler>

/** A failed sample, judged: by `fault` when the caller knows better (no answer: unknown), else by `cls`. */
export const failed = (
  cls: string,
  message: string,
  fault: { domain: VerdictDomain; layer: VerdictLayer } = judge(cls),
  valueMs?: number,
): Sample => ({
  ok: false,
  ...(valueMs !== undefined && { valueMs }),
  failure: { class: cls, message, faultDomain: fault.domain, faultLayer: fault.layer },
})
