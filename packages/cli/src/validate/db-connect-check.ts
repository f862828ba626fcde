import { faultDomainOf, isProbeErrorClass, probePostgres } from '@tarmac/probe'
import { CliError } from '../errors.js'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import type { CriteriaCheck } from './criteria-schema.js'
import { failed, type SamplerFactory } from './sample.js'
import { tokenOf, urlOf } from './service-target.js'

type DbConnectCheck = Extract<CriteriaCheck, { type: 'db-connect' }>

interface CheckEntry {
  status?: string
  observedValue?: unknown
  code?: string
  output?: string
}

/**
 * Database connection establishment, either as the service measures it (`/health/infrastructure`, the
 * check's `observedValue` in ms) or by probing Postgres directly (dns + tcp + ssl + auth, without the first query).
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
        return failed(error.class, `${error.phase}: ${error.message}`, faultDomainOf(error.class))
      },
    }
  }
  const url = urlOf(check, context, 'infrastructure')
  const token = tokenOf(check.service, context)
  return {
    async sample() {
      const response = await fetchHealth(url, { timeoutMs, token })
      if (isFetchFailure(response)) {
        const { failure } = response
        return failed(failure.class, failure.message, faultDomainOf(failure.class))
      }
      const checks = (response.body as { checks?: Record<string, CheckEntry[]> } | undefined)?.checks
      const entry = checks?.[check.check]?.[0]
      if (entry === undefined) {
        const names =
          Object.keys(checks ?? {}).join(', ') || 'none (no details: set tokenEnv, or run on loopback)'
        return failed('NO_DETAILS', `${url} has no "${check.check}" check; checks: ${names}`, 'unknown')
      }
      const valueMs = typeof entry.observedValue === 'number' ? entry.observedValue : undefined
      if (entry.status === 'fail') {
        const cls = entry.code ?? 'HEALTH_FAIL'
        const domain = isProbeErrorClass(cls) ? faultDomainOf(cls) : 'infrastructure'
        return failed(cls, `${check.check} fails${entry.output ? `: ${entry.output}` : ''}`, domain, valueMs)
      }
      if (valueMs === undefined)
        return failed('NO_DETAILS', `${check.check} has no numeric observedValue`, 'unknown')
      return { ok: true, valueMs }
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
