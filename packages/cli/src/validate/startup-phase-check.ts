import { judge, NO_ANSWER } from '../faults.js'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import type { CriteriaCheck } from './criteria-schema.js'
import { failed, type SamplerFactory } from './sample.js'
import { tokenOf, urlOf } from './service-target.js'

type StartupPhaseCheck = Extract<CriteriaCheck, { type: 'startup-phase' }>

interface PhaseEntry {
  name?: string
  state?: string
  durationMs?: number | null
  components?: Array<{
    name?: string
    state?: string
    errors?: Array<{ code?: string; message?: string; domain?: string; layer?: string }>
  }>
}

/**
 * A startup phase's duration, read from the startup report in `/health/startup` (`report.phases`): the phase
 * must have completed, and its `durationMs` is the value the bound applies to. The report needs details:
 * loopback, or the service's health token.
 */
export const startupPhaseSampler: SamplerFactory<StartupPhaseCheck> = async (check, context) => {
  const url = urlOf(check, context, 'startup')
  const token = tokenOf(check.service, context)
  const timeoutMs = check.timeoutMs ?? context.timeoutMs
  return {
    async sample() {
      const response = await fetchHealth(url, { timeoutMs, token })
      if (isFetchFailure(response)) {
        const { failure } = response
        return failed(failure.class, failure.message, NO_ANSWER)
      }
      const body = response.body as { report?: { phases?: PhaseEntry[] }; state?: string } | undefined
      const phases = body?.report?.phases
      if (!Array.isArray(phases)) {
        return failed(
          'NO_DETAILS',
          `${url} shows no startup report (set the service's tokenEnv, or run on loopback)`,
          NO_ANSWER,
        )
      }
      const phase = phases.find((entry) => entry.name === check.phase)
      if (phase === undefined) {
        const names = phases.map((entry) => entry.name).join(', ')
        return failed(
          'ASSERTION_FAILED',
          `no phase "${check.phase}" in the startup report (phases: ${names})`,
          { domain: 'configuration', layer: 'client' },
        )
      }
      if (phase.state !== 'completed') {
        const broken = phase.components?.find(
          (c) => c.state === 'failed' || c.state === 'retrying' || c.errors?.length,
        )
        const lastError = broken?.errors?.at(-1)
        const why = lastError
          ? `: ${broken?.name} ${lastError.code ?? ''} ${lastError.message ?? ''}`.trimEnd()
          : ''
        return failed(
          phase.state === 'failed' ? 'HEALTH_FAIL' : 'STARTING',
          `phase ${check.phase} is ${phase.state ?? 'unknown'}${why}`,
          lastError ? judge(lastError) : NO_ANSWER,
        )
      }
      return { ok: true, valueMs: phase.durationMs ?? 0 }
    },
  }
}
