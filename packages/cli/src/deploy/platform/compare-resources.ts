import { usableConnections } from '../fleet-schema.js'
import { maxConnectionsOf } from './cloud-sql-tiers.js'
import type { VerifyPlan } from './compare-cloud-run.js'
import { drift, ok, unknown, type PlatformFinding } from './findings.js'
import type { PlatformState } from './gather-platform.js'

const ms = (value: number) => `${Math.round(value)} ms`

/**
 * The Serverless VPC Access connector: deployed, READY, and as large as the plan's admission rate assumes — a
 * connector left at fewer instances admits a cold start's connections more slowly than the plan counts on.
 */
export function compareConnector(plan: VerifyPlan, state: PlatformState): PlatformFinding[] {
  const observed = state.connector
  if (!observed) return []
  const { project, region, name, live } = observed
  const resource = `vpc-connector ${name}`
  const where = `--project ${project} --region ${region}`
  const planned = plan.fleet.connector
  if (live === null)
    return [
      drift(resource, 'connector', {
        plan: `projects/${project}/locations/${region}/connectors/${name}`,
        live: 'not found',
        why: 'every Cloud Run revision routes private traffic through it: without it the database and Redis have no route',
        fix: `gcloud compute networks vpc-access connectors create ${name} ${where} --network NETWORK --range 10.8.0.0/28 --min-instances ${planned?.minInstances ?? 2} --max-instances ${planned?.maxInstances ?? 10}`,
        code: 'DEPLOY_NOT_DEPLOYED',
      }),
    ]
  const findings: PlatformFinding[] = []
  findings.push(
    live.state === 'READY'
      ? ok(resource, 'state', 'READY', { plan: 'READY' })
      : drift(resource, 'state', {
          plan: 'READY',
          live: live.state,
          why:
            live.state === 'ERROR'
              ? 'a connector in ERROR carries no traffic reliably: connects through it fail or hang in tcp'
              : `an operation is in progress (${live.state}): connects through it may stall until it ends`,
          fix:
            live.state === 'ERROR'
              ? `recreate it: gcloud compute networks vpc-access connectors delete ${name} ${where}, then create it again`
              : `wait for the operation: gcloud compute networks vpc-access operations list ${where}`,
          code: 'DEPLOY_CONNECTOR_NOT_READY',
        }),
  )
  const throughput = `${live.minThroughput ?? '?'}–${live.maxThroughput ?? '?'} Mbps`
  const size = `${live.minInstances ?? '?'}–${live.maxInstances ?? '?'} × ${live.machineType ?? 'e2-micro'} (${throughput})`
  const update = `gcloud compute networks vpc-access connectors update ${name} ${where}`
  if (
    planned?.machineType !== undefined &&
    live.machineType !== undefined &&
    live.machineType !== planned.machineType
  )
    findings.push(
      drift(resource, 'machine type', {
        plan: planned.machineType,
        live: live.machineType,
        why: `the plan's ${planned.admissionsPerSecond}/s admission rate was measured on ${planned.machineType}; each ${live.machineType} instance carries a different share of a storm's connections`,
        fix: `${update} --machine-type ${planned.machineType}`,
        code: 'DEPLOY_DRIFT_CONNECTOR',
      }),
    )
  if (planned?.minInstances !== undefined && live.minInstances !== undefined) {
    if (live.minInstances < planned.minInstances) {
      const rate = (planned.admissionsPerSecond * live.minInstances) / planned.minInstances
      const queue =
        plan.connectorQueueMs === null ? null : (plan.connectorQueueMs * planned.admissionsPerSecond) / rate
      findings.push(
        drift(resource, 'min instances', {
          plan: String(planned.minInstances),
          live: String(live.minInstances),
          why: `between storms the connector shrinks to its minimum, so a cold start meets ${live.minInstances} instances, not ${planned.minInstances}: about ${rate.toFixed(2)} admissions/s instead of ${planned.admissionsPerSecond}${queue === null ? '' : `, ${ms(queue)} to admit every instance's first connection`}`,
          fix: `${update} --min-instances ${planned.minInstances}`,
          code: 'DEPLOY_DRIFT_CONNECTOR',
        }),
      )
    } else
      findings.push(
        ok(resource, 'min instances', String(live.minInstances), { plan: String(planned.minInstances) }),
      )
  }
  if (planned?.maxInstances !== undefined && live.maxInstances !== undefined) {
    if (live.maxInstances < planned.maxInstances)
      findings.push(
        drift(resource, 'max instances', {
          plan: String(planned.maxInstances),
          live: `${live.maxInstances}${live.maxInstances === live.minInstances ? ' (= its minimum: it cannot scale)' : ''}`,
          why: `at ${live.maxInstances} instances (${throughput}) the connector is at its maximum: the storm queues in it instead of scaling it out`,
          fix: `${update} --max-instances ${planned.maxInstances}`,
          code: 'DEPLOY_DRIFT_CONNECTOR',
        }),
      )
    else
      findings.push(
        ok(resource, 'max instances', String(live.maxInstances), { plan: String(planned.maxInstances) }),
      )
  }
  findings.push(ok(resource, 'size', size))
  return findings
}

/**
 * The Cloud SQL instance: deployed, serving, and with at least the `max_connections` the plan budgets — from
 * its flag, or the default of its tier when the flag is unset.
 */
export function compareCloudSql(plan: VerifyPlan, state: PlatformState): PlatformFinding[] {
  const observed = state.cloudSql
  if (!observed) return []
  const { live, connectionName, project } = observed
  const instance = connectionName.split(':').pop()!
  const resource = `cloud-sql ${connectionName}`
  if (live === null)
    return [
      drift(resource, 'instance', {
        plan: connectionName,
        live: 'not found',
        why: 'the plan budgets every service against this database; it does not exist under that name',
        fix: `create it (gcloud sql instances create ${instance} --project ${project} …), or fix deploy.cloudSql.connectionName`,
        code: 'DEPLOY_NOT_DEPLOYED',
      }),
    ]
  const findings: PlatformFinding[] = []
  const stopped = live.settings.activationPolicy === 'NEVER'
  findings.push(
    live.state === 'RUNNABLE' && !stopped
      ? ok(resource, 'state', `RUNNABLE, ${live.databaseVersion}`, { plan: 'RUNNABLE' })
      : drift(resource, 'state', {
          plan: 'RUNNABLE',
          live: `${live.state}${stopped ? ' (activation policy NEVER: stopped)' : ''}`,
          why: 'every connect is refused or hangs until it serves again: each cold start spends its deadline retrying, then exits 3',
          fix: stopped
            ? `gcloud sql instances patch ${instance} --project ${project} --activation-policy ALWAYS`
            : `gcloud sql operations list --instance ${instance} --project ${project} (maintenance, a failover, billing)`,
          code: 'DEPLOY_DATABASE_NOT_RUNNABLE',
        }),
  )
  const max = maxConnectionsOf(live)
  const planned = plan.fleet.database.maxConnections
  if (max.value === null)
    findings.push(
      unknown(
        resource,
        'max_connections',
        `no max_connections flag, and tier ${max.tier} is not in the documented table`,
        'set the max_connections flag (then the number is known), or compare `show max_connections` with the plan by hand',
        { plan: String(planned) },
      ),
    )
  else {
    const live = `${max.value} (${max.from === 'flag' ? 'max_connections flag' : `tier ${max.tier} default`})`
    if (max.value < planned) {
      const usable = usableConnections({
        ...plan.fleet,
        database: { ...plan.fleet.database, maxConnections: max.value },
      })
      findings.push(
        drift(resource, 'max_connections', {
          plan: String(planned),
          live,
          why: `the plan budgets ${usableConnections(plan.fleet)} usable slots; this instance has ${usable}: a storm that fits the plan runs out of slots (53300) ${planned - max.value} connections early`,
          fix: `gcloud sql instances patch ${instance} --project ${project} --database-flags max_connections=${planned} (restarts it; the flag list replaces the old one), a larger tier, or fleet.database.maxConnections: ${max.value} and tarmac deploy check`,
          code: 'DEPLOY_DRIFT_DATABASE',
        }),
      )
    } else findings.push(ok(resource, 'max_connections', live, { plan: String(planned) }))
  }
  return findings
}
