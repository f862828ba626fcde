import { renderKubernetesProbes, type KubernetesProbes } from '@tarmac/health'
// Types only (erased from the build): an unknown or misspelt field in a manifest is a compile error.
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { IService } from 'kubernetes-models/v1/Service'
import type { FleetConfig, FleetService } from './fleet-schema.js'
import { PGBOUNCER_PATHS, PGBOUNCER_PORT } from './pgbouncer-ini.js'
import type { ResolvedRender } from './render-schema.js'
import { SERVICE_SPECS, type RenderedService } from './service-catalog.js'
import { KUBERNETES_ENDPOINTS, serviceEnv } from './service-env.js'

type Manifest = IConfigMap | IDeployment | IService | IHorizontalPodAutoscaler | IPodDisruptionBudget
const PART_OF = 'tarmac'
const labelsOf = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': PART_OF })
const selectorOf = (name: string) => ({ matchLabels: { 'app.kubernetes.io/name': name } })

/** Non-root, no privilege escalation, nothing writable but /tmp: what every Tarmac container runs with. */
const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
}
const podSecurity = (uid: number) => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: uid,
  seccompProfile: { type: 'RuntimeDefault' as const },
})
/** The `node` user of the official Node images (the services' Dockerfiles run as it). */
const NODE_UID = 1000
/** The user deploy/pgbouncer/Dockerfile creates for PgBouncer (a fixed uid, so runAsNonRoot can verify it). */
const PGBOUNCER_UID = 10001

/**
 * `renderKubernetesProbes` for a service of the plan: readiness, liveness and the grace period (drain + stop
 * budget + the fleet's margin) as it computes them, and a startup probe whose window is the plan's
 * `startupProbeWindowMs` (the deadline plus whatever margin the plan gives it).
 */
export function probesFor(
  fleet: FleetConfig,
  service: FleetService,
  port: number | string,
): KubernetesProbes {
  const common = {
    startupDeadlineMs: service.startupDeadlineMs,
    drainDelayMs: service.drainDelayMs,
    stopBudgetMs: service.stopBudgetMs,
    port,
  }
  const probes = renderKubernetesProbes({ ...common, marginMs: fleet.probeMarginMs })
  const { startupProbe } = renderKubernetesProbes({
    ...common,
    marginMs: service.startupProbeWindowMs - service.startupDeadlineMs,
  })
  return { ...probes, startupProbe }
}

/**
 * One Tarmac service on Kubernetes: its ConfigMap (plain env from the budgets), Deployment (probes and grace
 * period from `renderKubernetesProbes`, secrets by reference only, rollout surge as budgeted), Service, and
 * for the backend its HPA; a PodDisruptionBudget for every service that runs more than one instance.
 */
export function serviceManifests(
  fleet: FleetConfig,
  service: FleetService & { name: RenderedService },
  render: ResolvedRender,
): Manifest[] {
  const spec = SERVICE_SPECS[service.name]
  const probes = probesFor(fleet, service, 'http')
  const { name } = service
  const env = serviceEnv(service, render, KUBERNETES_ENDPOINTS, {
    drainDelayMs: service.drainDelayMs,
    platform: 'kubernetes',
  })
  const scaled = name === 'backend'
  const manifests: Manifest[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-env`, labels: labelsOf(name) },
      data: env,
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: labelsOf(name) },
      spec: {
        // The backend's replicas belong to its HPA; the others run their budgeted maximum.
        ...(scaled ? {} : { replicas: service.maxInstances }),
        selector: selectorOf(name),
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: service.surgeInstances, maxUnavailable: 0 },
        },
        template: {
          metadata: { labels: labelsOf(name) },
          spec: {
            terminationGracePeriodSeconds: probes.terminationGracePeriodSeconds,
            securityContext: podSecurity(NODE_UID),
            containers: [
              {
                name,
                image: `${render.registry}/${name}:${render.tag}`,
                ports: [{ name: 'http', containerPort: spec.port }],
                envFrom: [{ configMapRef: { name: `${name}-env` } }],
                env: [
                  { name: 'PORT', value: String(spec.port) },
                  ...spec.secrets.map((secret) => ({
                    name: secret.variable,
                    valueFrom: {
                      secretKeyRef: { name: 'tarmac-secrets', key: secret.key, optional: secret.optional },
                    },
                  })),
                ],
                resources: {
                  requests: { cpu: service.cpu, memory: service.memory },
                  limits: { memory: service.memory },
                },
                startupProbe: probes.startupProbe,
                readinessProbe: probes.readinessProbe,
                livenessProbe: probes.livenessProbe,
                securityContext: CONTAINER_SECURITY,
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: labelsOf(name) },
      spec: {
        selector: { 'app.kubernetes.io/name': name },
        ports: [{ name: 'http', port: spec.port, targetPort: 'http' }],
      },
    },
  ]
  if (scaled)
    manifests.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, labels: labelsOf(name) },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: Math.max(1, service.minInstances),
        maxReplicas: service.maxInstances,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      },
    })
  if (service.maxInstances > 1)
    manifests.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, labels: labelsOf(name) },
      spec: { maxUnavailable: 1, selector: selectorOf(name) },
    })
  return manifests
}

/** Redis for the backends' run events: in memory only (a lost event is a reconnect, not lost data). */
export function redisManifests(): Manifest[] {
  const name = 'redis'
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: labelsOf(name) },
      spec: {
        replicas: 1,
        selector: selectorOf(name),
        template: {
          metadata: { labels: labelsOf(name) },
          spec: {
            securityContext: podSecurity(999),
            containers: [
              {
                name,
                image: 'redis:7-alpine',
                args: ['--save', '', '--appendonly', 'no'],
                ports: [{ name: 'redis', containerPort: 6379 }],
                readinessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 5 },
                livenessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 10 },
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
                securityContext: CONTAINER_SECURITY,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: labelsOf(name) },
      spec: {
        selector: { 'app.kubernetes.io/name': name },
        ports: [{ name: 'redis', port: 6379, targetPort: 'redis' }],
      },
    },
  ]
}

/**
 * PgBouncer: the image from deploy/pgbouncer/Dockerfile (Debian's package), pgbouncer.ini from a ConfigMap the
 * kustomization generates from the rendered file, and the `[databases]` section and auth file from the
 * `tarmac-pgbouncer` Secret (keys `databases.ini`, `userlist.txt`) — they name hosts and hold passwords.
 */
export function pgbouncerManifests(fleet: FleetConfig, render: ResolvedRender): Manifest[] {
  const name = 'pgbouncer'
  const file = (path: string) => path.slice(path.lastIndexOf('/') + 1)
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: labelsOf(name) },
      spec: {
        replicas: fleet.pooler!.replicas,
        selector: selectorOf(name),
        template: {
          metadata: { labels: labelsOf(name) },
          spec: {
            // SIGINT would be PgBouncer's safe shutdown; SIGTERM closes at once, so give in-flight work no grace.
            terminationGracePeriodSeconds: 10,
            securityContext: podSecurity(PGBOUNCER_UID),
            containers: [
              {
                name,
                image: `${render.registry}/pgbouncer:${render.tag}`,
                ports: [{ name: 'postgres', containerPort: PGBOUNCER_PORT }],
                readinessProbe: { tcpSocket: { port: 'postgres' }, periodSeconds: 5 },
                livenessProbe: { tcpSocket: { port: 'postgres' }, periodSeconds: 10, failureThreshold: 3 },
                resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                securityContext: CONTAINER_SECURITY,
                volumeMounts: [
                  {
                    name: 'config',
                    mountPath: PGBOUNCER_PATHS.config,
                    subPath: file(PGBOUNCER_PATHS.config),
                  },
                  {
                    name: 'secrets',
                    mountPath: PGBOUNCER_PATHS.databases,
                    subPath: file(PGBOUNCER_PATHS.databases),
                  },
                  {
                    name: 'secrets',
                    mountPath: PGBOUNCER_PATHS.authFile,
                    subPath: file(PGBOUNCER_PATHS.authFile),
                  },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'pgbouncer-config' } },
              { name: 'secrets', secret: { secretName: 'tarmac-pgbouncer' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels: labelsOf(name) },
      spec: {
        selector: { 'app.kubernetes.io/name': name },
        ports: [{ name: 'postgres', port: PGBOUNCER_PORT, targetPort: 'postgres' }],
      },
    },
  ]
}
