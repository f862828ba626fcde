import type { HttpProbe } from '@tarmac/health'
// Types only (erased from the build): an unknown or misspelt field is a compile error.
import type { IService } from '@kubernetes-models/knative/serving.knative.dev/v1/Service'
import type { FleetConfig, FleetService } from './fleet-schema.js'
import { CLOUD_RUN_LIMITS, KUBERNETES_PROBE_PERIOD_SECONDS } from './platform-limits.js'
import { probesFor } from './render-kubernetes.js'
import type { ResolvedRender } from './render-schema.js'
import { SERVICE_SPECS, type RenderedService } from './service-catalog.js'
import { serviceEnv } from './service-env.js'

/** The revision annotation that mounts Cloud SQL instances as Unix sockets under `/cloudsql/`. */
export const CLOUD_SQL_INSTANCES = 'run.googleapis.com/cloudsql-instances'

type KnativeContainer = NonNullable<
  NonNullable<NonNullable<IService['spec']>['template']>['spec']
>['containers'][number]
/** Cloud Run's container: Knative's, plus the startup probe Cloud Run supports (the Knative schema here lacks it). */
type CloudRunContainer = KnativeContainer & { startupProbe: Omit<HttpProbe, 'successThreshold'> }

/**
 * One Tarmac service as a Cloud Run service (Knative serving v1, what `gcloud run services replace` takes):
 * min/max instances and concurrency from the plan; the startup probe on `/health/startup` with
 * failureThreshold × periodSeconds = the plan's window (≤ 240 s, which `tarmac deploy check` enforces);
 * liveness on `/health/live`; the VPC connector; for a `database: direct` service and a plan naming its Cloud SQL
 * instance, the instance mounted at `/cloudsql/<connection name>`; DRAIN_DELAY_MS=0 (Cloud Run has stopped routing when it sends
 * SIGTERM, and gives 10 s in all); CPU always allocated (health checks and Redis subscriptions run between
 * requests) with a startup boost; secrets from Secret Manager by reference.
 */
export function cloudRunService(
  fleet: FleetConfig,
  service: FleetService & { name: RenderedService },
  render: ResolvedRender,
): IService {
  const cloudRun = render.cloudRun
  if (!cloudRun) throw new Error('cloudRunService: the plan has no deploy.cloudRun section')
  const spec = SERVICE_SPECS[service.name]
  const probes = probesFor(fleet, { ...service, drainDelayMs: 0 }, spec.port)
  const env = serviceEnv(
    service,
    render,
    { ...cloudRun.urls, redis: cloudRun.redisUrl },
    {
      drainDelayMs: 0,
      platform: 'cloud-run',
    },
  )
  // Cloud Run has no readiness probe to speak of here, and takes successThreshold only as 1: leave both out.
  const bare = ({ httpGet, periodSeconds, timeoutSeconds, failureThreshold }: HttpProbe) => ({
    httpGet,
    periodSeconds,
    timeoutSeconds,
    failureThreshold,
  })
  if (probes.startupProbe.periodSeconds !== KUBERNETES_PROBE_PERIOD_SECONDS)
    throw new Error('renderKubernetesProbes changed its startup period: check Cloud Run limits again')
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name: `tarmac-${service.name}`,
      labels: { 'app.kubernetes.io/part-of': 'tarmac', 'app.kubernetes.io/name': service.name },
      annotations: {
        // The frontend is public through the external load balancer only, backend and auth through it and from
        // the frontend: a request straight to a run.app URL from outside could write its own x-forwarded-for
        // entry where the load balancer's client address would be (TRUST_PROXY=2 takes that one).
        'run.googleapis.com/ingress': 'internal-and-cloud-load-balancing',
      },
    },
    spec: {
      template: {
        metadata: {
          annotations: {
            'autoscaling.knative.dev/minScale': String(service.minInstances),
            'autoscaling.knative.dev/maxScale': String(service.maxInstances),
            'run.googleapis.com/vpc-access-connector': cloudRun.vpcConnector,
            'run.googleapis.com/vpc-access-egress': cloudRun.vpcEgress,
            'run.googleapis.com/cpu-throttling': 'false',
            'run.googleapis.com/startup-cpu-boost': 'true',
            'run.googleapis.com/execution-environment': 'gen2',
            // A service that reaches Cloud SQL straight gets its socket at /cloudsql/<connection name>.
            ...(render.cloudSql &&
              service.database === 'direct' && {
                [CLOUD_SQL_INSTANCES]: render.cloudSql.connectionName,
              }),
          },
        },
        spec: {
          containerConcurrency: service.concurrency,
          timeoutSeconds: Math.min(spec.requestTimeoutSeconds, CLOUD_RUN_LIMITS.requestTimeoutSecondsMax),
          ...(cloudRun.serviceAccount && { serviceAccountName: cloudRun.serviceAccount }),
          containers: [
            container({
              name: service.name,
              image: `${render.registry}/${service.name}:${render.tag}`,
              ports: [{ name: 'http1', containerPort: spec.port }],
              env: [
                ...Object.entries(env).map(([name, value]) => ({ name, value })),
                // Secret Manager: `tarmac-<key>`, latest version.
                ...spec.secrets
                  .filter((secret) => secret.cloudRun)
                  .map((secret) => ({
                    name: secret.variable,
                    valueFrom: { secretKeyRef: { name: `tarmac-${secret.key}`, key: 'latest' } },
                  })),
              ],
              resources: { limits: { cpu: service.cpu, memory: service.memory } },
              startupProbe: bare(probes.startupProbe),
              livenessProbe: bare(probes.livenessProbe),
            }),
          ],
        },
      },
      traffic: [{ percent: 100, latestRevision: true }],
    },
  }
}

/** Keeps the excess-property check on the literal while adding `startupProbe` to Knative's container type. */
const container = (value: CloudRunContainer): KnativeContainer => value
