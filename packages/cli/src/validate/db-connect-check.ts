import { probePostgres } from '@tarmac/probe'
import { CliError } from '../errors.js'
import { judge, NO_ANSWER } from '../faults.js'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import type { CriteriaCheck } from './criteria-schema.js'
import { failed, type Sample, type SamplerFactory } from './sample.js'
import { serviceOf, tokenOf } from './service-target.js'

type DbConnectCheck = Extract<CriteriaCheck, { type: 'db-connect' }>

/** One connect of an in-service probe (`POST /health/probe/postgres`), as the service answers it. */
interface ProbeAttempt {
  ok?: boolean
  timingsMs?: Record<string, number>
  code?: string
  errorClass?: string
  phase?: string
  message?: string
}

/** The most connects one in-service probe may run (the services bound it too). */
const MAX_CONNECTS_PER_PROBE = 20

/**
 * Database connection establishment, measured for real. With `service`: fresh concurrent connects from inside
 * the service (`POST /health/probe/postgres`), through its own network path — the only place a VPC connector
 * is on it — each a sample (total connect time, DNS to first query); `samples` of them, in batches of up to 20
 * at once. With `dependency` or `url`: a direct `probePostgres` per sample (dns + tcp + ssl + auth).
 */
export const dbConnectSampler: SamplerFactory<DbConnectCheck> = async (check, context) => {
  const timeoutMs = check.timeoutMs ?? context.timeoutMs
  const direct = check.url ?? dependencyUrl(check, context)
  if (direct !== undefined) {
    return {
      async sample() {
        const result = await probePostgres(direct, { timeoutMs })
        const p = result.phases
        const connectMs = Math.round(((p.dns ?? 0) + (p.tcp ?? 0) + (p.ssl ?? 0) + (p.auth ?? 0)) * 10) / 10
        if (result.ok) return { ok: true, valueMs: connectMs }
        const error = result.error!
        return failed(error.class, `${error.phase}: ${error.message}`)
      },
    }
  }
  if (check.service === undefined)
    throw new CliError(
      'CLI_ERR_CRITERIA_INVALID',
      'a db-connect check needs a service, a dependency or a url',
    )
  const service = serviceOf(check.service, context)
  const url = new URL('/health/probe/postgres', service.url)
  const token = tokenOf(check.service, context)
  let remaining = check.samples ?? 1
  let batch: Sample[] = []
  const probe = async (connects: number): Promise<Sample[]> => {
    url.search = new URLSearchParams({
      connects: String(connects),
      timeoutMs: String(Math.min(timeoutMs, 30_000)),
    }).toString()
    const response = await fetchHealth(url.toString(), {
      timeoutMs: timeoutMs + 5_000,
      token,
      method: 'POST',
    })
    if (isFetchFailure(response))
      return [failed(response.failure.class, `in-service probe: ${response.failure.message}`, NO_ANSWER)]
    const body = response.body as { attempts?: ProbeAttempt[]; code?: string; message?: string } | undefined
    if (response.status !== 200 || !Array.isArray(body?.attempts)) {
      const why = body?.code ? `${body.code}: ${body.message ?? ''}` : `HTTP ${response.status}`
      const cls = response.status === 401 ? 'NO_DETAILS' : 'HTTP_STATUS'
      return [
        failed(
          cls,
          `in-service probe of ${check.service} answered ${why} (set its tokenEnv for a remote service)`,
          body?.code ? judge(body.code) : NO_ANSWER,
        ),
      ]
    }
    return body.attempts.map((attempt) =>
      attempt.ok
        ? { ok: true, valueMs: attempt.timingsMs?.total ?? 0 }
        : failed(
            attempt.code ?? 'UNKNOWN',
            `${attempt.phase ?? '?'}: ${attempt.message ?? attempt.errorClass ?? ''}`,
          ),
    )
  }
  return {
    async sample() {
      if (batch.length === 0) {
        batch = await probe(Math.max(1, Math.min(remaining, MAX_CONNECTS_PER_PROBE)))
        remaining -= batch.length
      }
      return batch.shift()!
    },
  }
}

function dependencyUrl(
  check: DbConnectCheck,
  context: Parameters<typeof dbConnectSampler>[1],
): string | undefined {
  if (check.dependency === undefined) return undefined
  const dependency = context.config.dependencies[check.dependency]
  if (dependency?.type !== 'postgres') {
    throw new CliError(
      'CLI_ERR_SERVICE_NOT_FOUND',
      `no postgres dependency "${check.dependency}" in the config`,
    )
  }
  return dependency.url
}
