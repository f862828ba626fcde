import { pgbouncerSettings } from '../pgbouncer-ini.js'
import { serviceManifests } from '../render-kubernetes.js'
import type { RenderedService } from '../service-catalog.js'
import type { VerifyPlan } from './compare-cloud-run.js'
import { compareService, type FixCommands } from './compare-service.js'
import { drift, ok, type PlatformFinding } from './findings.js'
import type { PlatformState } from './gather-platform.js'
import { liveChecks, liveService } from './live-fleet.js'
import { configMapSchema, deploymentSchema, hpaSchema, type Hpa } from './platform-answers.js'
import { settingsOfDeployment } from './run-settings.js'

/** The PgBouncer settings whose values are the plan's pooler budget. */
const POOLER_KEYS = [
  'pool_mode',
  'max_client_conn',
  'default_pool_size',
  'reserve_pool_size',
  'max_db_connections',
  'server_login_retry',
] as const

function kubernetesFixes(
  plan: VerifyPlan,
  namespace: string,
  name: RenderedService,
  scaled: boolean,
): FixCommands {
  const ns = `kubectl --namespace ${namespace}`
  const rollout = () =>
    `tarmac deploy render --tag ${plan.render.tag} && kubectl kustomize deploy/kubernetes/overlays/production | kubectl apply -f -`
  const notUsed = () => rollout()
  return {
    env: (key, value) =>
      `${ns} patch configmap ${name}-env --type merge -p '{"data":{"${key}":"${value}"}}' && ${ns} rollout restart deployment/${name}`,
    maxInstances: (value) =>
      scaled
        ? `${ns} patch hpa ${name} --type merge -p '{"spec":{"maxReplicas":${value}}}'`
        : `${ns} scale deployment/${name} --replicas ${value}`,
    minInstances: (value) =>
      scaled
        ? `${ns} patch hpa ${name} --type merge -p '{"spec":{"minReplicas":${value}}}'`
        : `${ns} scale deployment/${name} --replicas ${value}`,
    concurrency: notUsed,
    network: notUsed,
    cloudSql: notUsed,
    rollout,
  }
}

/** Key = value lines of an ini file's `[pgbouncer]` section. */
export function pgbouncerIniValues(text: string): Map<string, string> {
  const values = new Map<string, string>()
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith(';') || line.startsWith('#') || line.startsWith('%')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) section = header[1]!
    else if (section === 'pgbouncer' && line.includes('=')) {
      const at = line.indexOf('=')
      values.set(line.slice(0, at).trim(), line.slice(at + 1).trim())
    }
  }
  return values
}

/**
 * The namespace's Deployments (with their ConfigMaps, HPAs and the digests their pods run) against the base
 * the plan renders, and PgBouncer's running configuration against the plan's pooler.
 */
export function compareKubernetes(plan: VerifyPlan, state: PlatformState): PlatformFinding[] {
  const k8s = state.kubernetes
  if (!k8s) return []
  const findings: PlatformFinding[] = []
  const hpaFor = (hpas: readonly Hpa[], name: string) =>
    hpas.find((hpa) => hpa.spec.scaleTargetRef.kind === 'Deployment' && hpa.spec.scaleTargetRef.name === name)
  for (const service of plan.services) {
    const resource = `kubernetes deployment/${service.name} (namespace ${k8s.namespace})`
    const rendered = serviceManifests(plan.fleet, service, plan.render)
    const expected = settingsOfDeployment(
      deploymentSchema.parse(rendered.find((m) => m.kind === 'Deployment')),
      {
        configMaps: rendered.filter((m) => m.kind === 'ConfigMap').map((m) => configMapSchema.parse(m)),
        hpa: rendered.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((m) => hpaSchema.parse(m))[0],
      },
    )
    const scaled = rendered.some((m) => m.kind === 'HorizontalPodAutoscaler')
    const fixes = kubernetesFixes(plan, k8s.namespace, service.name, scaled)
    const deployment = k8s.deployments.find((d) => d.metadata.name === service.name)
    if (!deployment) {
      findings.push(
        drift(resource, 'deployment', {
          plan: `deployment/${service.name}`,
          live: 'not found',
          why: `the plan counts ${service.maxInstances} ${service.name} pods in every budget; none run here`,
          fix: fixes.rollout(),
          code: 'DEPLOY_NOT_DEPLOYED',
          service: service.name,
        }),
      )
      continue
    }
    const live = settingsOfDeployment(deployment, {
      configMaps: k8s.configMaps,
      hpa: hpaFor(k8s.hpas, service.name),
      pods: k8s.pods,
    })
    const asDeployed = liveService(plan.fleet.services[service.name]!, [live], 'kubernetes')
    findings.push(
      ...compareService({
        resource,
        platform: 'kubernetes',
        planned: expected,
        live,
        service,
        liveChecks: liveChecks({ ...plan.fleet, services: { [service.name]: asDeployed } }, 'kubernetes'),
        connectorQueueMs: plan.connectorQueueMs,
        fixes,
      }),
    )
  }
  if (plan.fleet.pooler) findings.push(...comparePooler(plan, state))
  return findings
}

/** The running PgBouncer: its replicas and the `[pgbouncer]` settings of the ConfigMap its pods mount. */
export function comparePooler(plan: VerifyPlan, state: PlatformState): PlatformFinding[] {
  const k8s = state.kubernetes!
  const pooler = plan.fleet.pooler!
  const resource = `kubernetes deployment/pgbouncer (namespace ${k8s.namespace})`
  const apply = `tarmac deploy render --tag ${plan.render.tag} && kubectl apply -k deploy/pgbouncer --namespace ${k8s.namespace}`
  const deployment = k8s.deployments.find((d) => d.metadata.name === 'pgbouncer')
  if (!deployment)
    return [
      drift(resource, 'deployment', {
        plan: `${pooler.replicas} × PgBouncer, ${pooler.serverConnections} server connections each`,
        live: 'not found',
        why: 'the plan routes pooled services through PgBouncer and budgets max_connections for it alone: without it they reach Postgres with their own pools, or not at all',
        fix: apply,
        code: 'DEPLOY_NOT_DEPLOYED',
      }),
    ]
  const findings: PlatformFinding[] = []
  const replicas = deployment.spec.replicas ?? 1
  findings.push(
    replicas === pooler.replicas
      ? ok(resource, 'replicas', String(replicas), { plan: String(pooler.replicas) })
      : drift(resource, 'replicas', {
          plan: String(pooler.replicas),
          live: String(replicas),
          why: `each replica has its own pools: ${replicas} × ${pooler.serverConnections} server connections reach Postgres, the plan counted ${pooler.replicas} × ${pooler.serverConnections}`,
          fix: `kubectl --namespace ${k8s.namespace} scale deployment/pgbouncer --replicas ${pooler.replicas}`,
          code: 'DEPLOY_DRIFT_POOLER',
        }),
  )
  const mounted = deployment.spec.template.spec.volumes?.find((v) => v.configMap)?.configMap?.name
  const ini = k8s.configMaps.find((c) => c.metadata.name === mounted)?.data?.['pgbouncer.ini']
  if (ini === undefined) {
    findings.push(
      drift(resource, 'pgbouncer.ini', {
        plan: 'the rendered pgbouncer.ini',
        live: mounted ? `configmap ${mounted} has no pgbouncer.ini` : 'no configmap mounted',
        why: "PgBouncer runs with settings the plan did not size: its server connections are not the plan's",
        fix: apply,
        code: 'DEPLOY_DRIFT_POOLER',
      }),
    )
    return findings
  }
  const live = pgbouncerIniValues(ini)
  const planned = new Map(pgbouncerSettings(plan.fleet).map(([key, value]) => [key, String(value)]))
  for (const key of POOLER_KEYS) {
    const want = planned.get(key)!
    const have = live.get(key) ?? 'unset'
    findings.push(
      want === have
        ? ok(resource, key, have, { plan: want })
        : drift(resource, key, {
            plan: want,
            live: have,
            why:
              key === 'pool_mode'
                ? 'only transaction pooling lends a server connection per transaction: in session mode every client holds one, and the fleet reaches max_connections as if there were no pooler'
                : key === 'max_db_connections' || key === 'default_pool_size' || key === 'reserve_pool_size'
                  ? `the plan counts ${pooler.serverConnections} server connections per replica against max_connections; this PgBouncer may open ${key === 'max_db_connections' ? have : 'a different number'}`
                  : key === 'max_client_conn'
                    ? `the fleet's pools (instances × DB_POOL_MAX) must fit in max_client_conn: past it, clients are refused`
                    : 'a restarting Postgres is retried at another pace than planned',
            fix: apply,
            code: 'DEPLOY_DRIFT_POOLER',
          }),
    )
  }
  return findings
}
