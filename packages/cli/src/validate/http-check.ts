import { NO_ANSWER } from '../faults.js'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import { verdictOf } from '../health/health-verdict.js'
import type { CriteriaCheck } from './criteria-schema.js'
import { failedCondition } from './json-path.js'
import { failed, type SamplerFactory } from './sample.js'
import { tokenOf, urlOf } from './service-target.js'

type HttpCheck = Extract<CriteriaCheck, { type: 'http' }>

/** An HTTP check: the status, JSON-path conditions on the body, and the response time. */
export const httpSampler: SamplerFactory<HttpCheck> = async (check, context) => {
  const url = urlOf(check, context)
  const token = tokenOf(check.service, context)
  const expected = Array.isArray(check.status) ? check.status : [check.status]
  const timeoutMs = check.timeoutMs ?? context.timeoutMs
  return {
    async sample() {
      const response = await fetchHealth(url, { timeoutMs, token, method: check.method })
      if (isFetchFailure(response)) {
        const { failure } = response
        return failed(failure.class, failure.message, NO_ANSWER)
      }
      if (!expected.includes(response.status)) {
        const verdict = verdictOf(response.status, response.body)
        const why = verdict.message ? `: ${verdict.message}` : ''
        return failed(
          verdict.state === 'starting' ? 'STARTING' : 'HTTP_STATUS',
          `HTTP ${response.status}, expected ${expected.join(' or ')}${why}`,
          { domain: verdict.faultDomain ?? 'unknown', layer: verdict.faultLayer ?? 'unknown' },
          response.latencyMs,
        )
      }
      for (const condition of check.json) {
        const problem = failedCondition(response.body, condition)
        if (problem !== undefined)
          return failed(
            'ASSERTION_FAILED',
            problem,
            { domain: 'application', layer: 'application' },
            response.latencyMs,
          )
      }
      return { ok: true, valueMs: response.latencyMs }
    },
  }
}
