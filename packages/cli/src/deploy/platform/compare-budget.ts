import { checkFleet } from '../fleet-checks.js'
import {
  usableConnections,
  type FleetConfig,
  type FleetServiceConfig,
  type Platform,
} from '../fleet-schema.js'
import { maxConnectionsOf } from './cloud-sql-tiers.js'
import type { VerifyPlan } from './compare-cloud-run.js'
import { pgbouncerIniValues } from './compare-kubernetes.js'
import { drift, ok, type PlatformFinding } from './findings.js'
import type { PlatformState } from './gather-platform.js'
import { liveService } from './live-fleet.js'
import { settingsOfDeployment, settingsOfRevision, type RunSettings } from './run-settings.js'

const BUDGET_CHECKS = ['connections', 'pooler clients'] as const

/** Each deployed service's settings on a platform (Cloud Run: every revision serving traffic). */
function deployedSettings(platform: Platform, state: PlatformState): Map<string, RunSettings[]> {
  const settings = new Map<string, RunSettings[]>()
  if (platform === 'cloud-run')
    for (const observed of state.cloudRun?.services ?? [])
      if (observed.revisions.length > 0)
        settings.set(
          observed.service,
          observed.revisions.map((r) => settingsOfRevision(r.revision)),
        )
  if (platform === 'kubernetes' && state.kubernetes) {
    const { deployments, configMaps, hpas, pods } = state.kubernetes
    for (const deployment of deployments) {
      const hpa = hpas.find((h) => h.spec.scaleTargetRef.name === deployment.metadata.name)
      settings.set(deployment.metadata.name, [settingsOfDeployment(deployment, { configMaps, hpa, pods })])
    }
  }
  return settings
}

/** The plan's fleet with what runs in its place: instances, pools, routes, max_connections, PgBouncer's sizes. */
export function deployedFleet(plan: VerifyPlan, state: PlatformState, platform: Platform): FleetConfig {
  const settings = deployedSettings(platform, state)
  const services: Record<string, FleetServiceConfig> = {}
  for (const service of plan.services) {
    const running = settings.get(service.name)
    if (running) services[service.name] = liveService(plan.fleet.services[service.name]!, running, platform)
  }
  const sql = state.cloudSql?.live ? maxConnectionsOf(state.cloudSql.live).value : null
  let pooler = plan.fleet.pooler
  const bouncer = state.kubernetes?.deployments.find((d) => d.metadata.name === 'pgbouncer')
  if (pooler && bouncer) {
    const mounted = bouncer.spec.template.spec.volumes?.find((v) => v.configMap)?.configMap?.name
    const ini = state.kubernetes!.configMaps.find((c) => c.metadata.name === mounted)?.data?.['pgbouncer.ini']
    const values = ini === undefined ? new Map<string, string>() : pgbouncerIniValues(ini)
    const number = (key: string, fallback: number) => {
      const value = Number(values.get(key))
      return Number.isInteger(value) && value > 0 ? value : fallback
    }
    pooler = {
      ...pooler,
      replicas: bouncer.spec.replicas ?? 1,
      serverConnections: number('max_db_connections', pooler.serverConnections),
      maxClientConnections: number('max_client_conn', pooler.maxClientConnections),
    }
  }
  return {
    ...plan.fleet,
    platforms: [platform],
    database: { ...plan.fleet.database, ...(sql !== null && { maxConnections: sql }) },
    ...(pooler && { pooler }),
    services,
  }
}

/**
 * `deploy check`'s connection budget with the deployed numbers: every revision serving traffic at its maximum,
 * each with its DB_POOL_MAX, against the live max_connections and the running PgBouncer — and, for each service
 * that reaches Postgres straight, whether DB_FLEET_SIZE still counts every instance that may run.
 */
export function compareBudget(plan: VerifyPlan, state: PlatformState, platform: Platform): PlatformFinding[] {
  const fleet = deployedFleet(plan, state, platform)
  if (Object.keys(fleet.services).length === 0) return []
  const resource = `fleet on ${platform} (as deployed)`
  const planned = new Map(checkFleet(plan.fleet).map((check) => [check.check, check]))
  const findings: PlatformFinding[] = []
  for (const check of checkFleet(fleet).filter((c) =>
    (BUDGET_CHECKS as readonly string[]).includes(c.check),
  )) {
    const subject = check.check === 'connections' ? 'connection budget' : 'pooler clients'
    findings.push(
      check.passed
        ? ok(resource, subject, check.numbers, { plan: planned.get(check.check)?.numbers ?? '' })
        : drift(resource, subject, {
            plan: planned.get(check.check)?.numbers ?? 'no such check in the plan',
            live: check.numbers,
            why:
              check.check === 'connections'
                ? 'in a cold-start storm every instance opens its pool once ready: the last to start meet 53300 (too many connections), retry until their deadline and exit 3 — the 503s'
                : 'past max_client_conn PgBouncer refuses clients: instances that start last cannot connect at all',
            fix: `${check.fix ?? ''}; or roll the plan's values out again`,
            code: 'DEPLOY_DRIFT_CONNECTIONS',
          }),
    )
  }
  const usable = usableConnections(fleet)
  for (const [name, service] of Object.entries(fleet.services)) {
    if (service.database !== 'direct') continue
    const running = deployedSettings(platform, state).get(name)!
    const declared = Math.min(...running.map((s) => Number(s.env.DB_FLEET_SIZE ?? 1)))
    const instances = service.maxInstances + service.surgeInstances
    if (declared < instances)
      findings.push(
        drift(resource, `${name} DB_FLEET_SIZE`, {
          plan: `≥ ${name}'s instances`,
          live: `DB_FLEET_SIZE ${declared} < ${instances} instances that may run`,
          why: `each admission takes up to ${Math.floor(usable / Math.max(1, declared))} of ${usable} free slots, sized for ${declared} instances: instances past the ${declared}th find none left (53300)`,
          fix: `set DB_FLEET_SIZE=${instances} (max instances + surge) on ${name}, or lower its max instances to ${Math.max(1, declared - service.surgeInstances)}`,
          code: 'DEPLOY_DRIFT_CONNECTIONS',
          service: name,
        }),
      )
  }
  return findings
}
