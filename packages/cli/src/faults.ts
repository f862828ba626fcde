import type { VerdictDomain, VerdictLayer } from '@tarmac/faults'
import { createServiceFaultModel } from '@tarmac/service/faults'
import { CLI_FAULTS, DEPLOY_FAULTS } from './errors.js'

/**
 * How the CLI judges a code: every kit package's catalog and its own (the deploy codes too: `diagnose --platform`
 * weighs drifts). Service codes (backend, auth) arrive annotated with `domain` and `layer` by the service that
 * produced them; the model trusts those annotations.
 */
export const faults = createServiceFaultModel(CLI_FAULTS, DEPLOY_FAULTS)

/** Whose move and where, as the CLI reports it beside a failure. */
export interface Judgement {
  readonly domain: VerdictDomain
  readonly layer: VerdictLayer
}

/** The judgement of a code (or an annotated entry `{ code, domain?, layer? }`). */
export function judge(
  subject: { code?: string | undefined; domain?: unknown; layer?: unknown; message?: unknown } | string,
): Judgement {
  const { domain, layer } = faults.classify(typeof subject === 'string' ? { code: subject } : subject)
  return { domain, layer }
}

/**
 * A Tarmac service that gave no answer at all (refused, reset, timed out): a crashed process and a broken
 * network look exactly alike from outside, so this is `unknown` — the evidence (its last recorded exit, an
 * in-service probe) has to say more.
 */
export const NO_ANSWER: Judgement = Object.freeze({ domain: 'unknown', layer: 'unknown' })
