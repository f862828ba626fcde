import type { FleetConfig, FleetService } from '../fleet-schema.js'
import { cloudRunService } from '../render-cloud-run.js'
import type { ResolvedRender } from '../render-schema.js'
import type { RenderedService } from '../service-catalog.js'
import { compareService, type FixCommands } from './compare-service.js'
import { drift, ok, type PlatformFinding } from './findings.js'
import type { PlatformState } from './gather-platform.js'
import { liveChecks, liveService } from './live-fleet.js'
import { settingsOfRenderedCloudRun, settingsOfRevision } from './run-settings.js'

/** What the comparisons need of the plan: the fleet, the resolved deploy section, and its services. */
export interface VerifyPlan {
  readonly fleet: FleetConfig
  readonly render: ResolvedRender
  readonly services: readonly (FleetService & { name: RenderedService })[]
  /** Σ instances of database users ÷ the connector's admission rate, in ms; null without `fleet.connector`. */
  readonly connectorQueueMs: number | null
}

function cloudRunFixes(
  plan: VerifyPlan,
  where: { project: string; region: string },
  service: RenderedService,
  revision: { name: string; latest: boolean },
): FixCommands {
  const target = `tarmac-${service} --project ${where.project} --region ${where.region}`
  if (!revision.latest) {
    // The revision serving traffic is not the latest: updating the service would not touch it.
    const moveTraffic = () =>
      `move traffic off ${revision.name}: gcloud run services update-traffic ${target} --to-latest (then verify again: the latest revision must carry the plan's values)`
    return {
      env: moveTraffic,
      maxInstances: moveTraffic,
      minInstances: moveTraffic,
      concurrency: moveTraffic,
      network: moveTraffic,
      cloudSql: moveTraffic,
      rollout: moveTraffic,
    }
  }
  const update = `gcloud run services update ${target}`
  return {
    env: (name, value) => `${update} --update-env-vars ${name}=${value}`,
    maxInstances: (value) => `${update} --max-instances ${value}`,
    minInstances: (value) => `${update} --min-instances ${value}`,
    concurrency: (value) => `${update} --concurrency ${value}`,
    network: (connector, egress) => `${update} --vpc-connector ${connector} --vpc-egress ${egress}`,
    cloudSql: (name) => `${update} --add-cloudsql-instances ${name}`,
    rollout: () =>
      `tarmac deploy render --tag ${plan.render.tag} --out /tmp/tarmac-deploy && gcloud run services replace /tmp/tarmac-deploy/cloud-run/${service}.yaml --project ${where.project} --region ${where.region}`,
  }
}

/**
 * Each planned service on Cloud Run: deployed at all, which revisions serve its traffic, and for each of those
 * revisions every storm-relevant setting against the Cloud Run service the plan renders.
 */
export function compareCloudRun(plan: VerifyPlan, state: PlatformState): PlatformFinding[] {
  const cloudRun = state.cloudRun
  if (!cloudRun) return []
  const findings: PlatformFinding[] = []
  for (const observed of cloudRun.services) {
    const service = plan.services.find((s) => s.name === observed.service)
    if (!service) continue
    const resource = `cloud-run ${observed.serviceName}`
    if (observed.live === null) {
      findings.push(
        drift(resource, 'service', {
          plan: `deployed in ${cloudRun.project}/${cloudRun.region}`,
          live: 'not found',
          why: `the plan counts ${service.maxInstances} ${service.name} instances in every budget; none run here`,
          fix: cloudRunFixes(plan, cloudRun, observed.service, { name: '', latest: true }).rollout(),
          code: 'DEPLOY_NOT_DEPLOYED',
          service: service.name,
        }),
      )
      continue
    }
    findings.push(
      ok(
        resource,
        'traffic',
        observed.revisions.map((r) => `${r.name} ${r.percent}%${r.latest ? ' (latest)' : ''}`).join(', ') ||
          'no revision serves it',
        { service: service.name },
      ),
    )
    const planned = settingsOfRenderedCloudRun(cloudRunService(plan.fleet, service, plan.render))
    for (const revision of observed.revisions) {
      const live = settingsOfRevision(revision.revision)
      const asDeployed = liveService(plan.fleet.services[service.name]!, [live], 'cloud-run')
      findings.push(
        ...compareService({
          resource: `${resource} · revision ${revision.name} (${revision.percent}% of traffic${revision.latest ? '' : ', not the latest'})`,
          platform: 'cloud-run',
          planned,
          live,
          service,
          liveChecks: liveChecks({ ...plan.fleet, services: { [service.name]: asDeployed } }, 'cloud-run'),
          connectorQueueMs: plan.connectorQueueMs,
          fixes: cloudRunFixes(plan, cloudRun, observed.service, revision),
        }),
      )
    }
  }
  return findings
}
