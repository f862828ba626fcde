import type { IService } from '@kubernetes-models/knative/serving.knative.dev/v1/Service'
import { CLOUD_SQL_INSTANCES } from '../render-cloud-run.js'
import type { CloudRunRevision, ConfigMap, Deployment, Hpa, Pod } from './platform-answers.js'

/**
 * The settings of one running service that matter in a cold-start storm, the same shape whether they were read
 * from a Cloud Run revision, a Kubernetes Deployment (with its ConfigMap and HPA), or rendered from the plan —
 * so the plan and what runs compare field by field.
 */
export interface RunSettings {
  readonly image: string
  /** The digest the image resolved to (`sha256:…`); null when the platform did not say. */
  readonly digest: string | null
  /** Plain values; a secret reference reads `(secret)`; unset variables are absent. */
  readonly env: Readonly<Record<string, string>>
  /** Which secret each secret-valued variable reads: `<secret>/<key>` (Cloud Run: `<secret>/<version>`). */
  readonly secretRefs: Readonly<Record<string, string>>
  readonly startupProbe: StartupProbe
  /** null: unset (the platform's default applies). */
  readonly minInstances: number | null
  readonly maxInstances: number | null
  readonly concurrency: number | null
  /** Cloud Run only. */
  readonly vpcConnector: string | null
  readonly vpcEgress: string | null
  readonly cloudSqlInstances: readonly string[]
  /** Kubernetes only: the rollout's extra instances. */
  readonly surgeInstances: number | null
}

export interface StartupProbe {
  readonly kind: 'http' | 'tcp' | 'grpc' | 'none'
  readonly path: string | null
  /** failureThreshold × periodSeconds (+ initialDelaySeconds), the time an instance gets to start. */
  readonly windowMs: number | null
}

/** The variables whose values are the plan's budgets. */
export const BUDGET_VARIABLES = [
  'DB_CONNECT_TIMEOUT_MS',
  'STARTUP_DEADLINE_MS',
  'PLATFORM_STARTUP_WINDOW_MS',
  'DRAIN_DELAY_MS',
  'DB_POOL_MAX',
  'DB_FLEET_SIZE',
  'DB_POOLER',
] as const
export type BudgetVariable = (typeof BUDGET_VARIABLES)[number]

type Container = {
  image: string
  env?: { name: string; value?: string; valueFrom?: object }[]
  startupProbe?: {
    httpGet?: { path?: string }
    tcpSocket?: object
    grpc?: object
    periodSeconds?: number
    failureThreshold?: number
    initialDelaySeconds?: number
  }
}

/** Kubernetes' probe defaults (periodSeconds 10, failureThreshold 3) apply where a field is left out. */
function startupProbeOf(container: Container): StartupProbe {
  const probe = container.startupProbe
  if (probe === undefined) return { kind: 'none', path: null, windowMs: null }
  const kind = probe.httpGet ? 'http' : probe.grpc ? 'grpc' : 'tcp'
  const windowMs =
    ((probe.failureThreshold ?? 3) * (probe.periodSeconds ?? 10) + (probe.initialDelaySeconds ?? 0)) * 1000
  return { kind, path: probe.httpGet?.path ?? null, windowMs }
}

function envOf(
  container: Container,
  fromConfigMaps: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = { ...fromConfigMaps }
  for (const variable of container.env ?? [])
    env[variable.name] = variable.value ?? (variable.valueFrom ? '(secret)' : '')
  return env
}

function secretRefsOf(container: Container): Record<string, string> {
  const refs: Record<string, string> = {}
  for (const variable of container.env ?? []) {
    const ref = (variable.valueFrom as { secretKeyRef?: { name?: string; key?: string } } | undefined)
      ?.secretKeyRef
    if (ref) refs[variable.name] = `${ref.name ?? '?'}/${ref.key ?? '?'}`
  }
  return refs
}

/** `registry/image@sha256:…` (how Cloud Run and Kubernetes report it) → `sha256:…`. */
const digestOf = (reference: string | undefined) =>
  reference === undefined || reference === '' ? null : reference.slice(reference.indexOf('@') + 1)

const int = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : null)
const instancesOf = (value: string | undefined) =>
  value === undefined ? [] : value.split(',').map((v) => v.trim())

/** A Cloud Run revision (v1): its container, its annotations, and the digest its image resolved to. */
export function settingsOfRevision(revision: CloudRunRevision): RunSettings {
  const container = revision.spec.containers[0]!
  const annotations = revision.metadata.annotations ?? {}
  return {
    image: container.image,
    digest: digestOf(revision.status?.imageDigest ?? revision.status?.containerStatuses?.[0]?.imageDigest),
    env: envOf(container),
    secretRefs: secretRefsOf(container),
    startupProbe: startupProbeOf(container),
    minInstances: int(annotations['autoscaling.knative.dev/minScale']),
    maxInstances: int(annotations['autoscaling.knative.dev/maxScale']),
    concurrency: revision.spec.containerConcurrency ?? null,
    vpcConnector: annotations['run.googleapis.com/vpc-access-connector'] ?? null,
    vpcEgress: annotations['run.googleapis.com/vpc-access-egress'] ?? null,
    cloudSqlInstances: instancesOf(annotations[CLOUD_SQL_INSTANCES]),
    surgeInstances: null,
  }
}

/** The Cloud Run service the plan renders, read the same way as a live revision. */
export function settingsOfRenderedCloudRun(rendered: IService): RunSettings {
  const template = rendered.spec!.template!
  return settingsOfRevision({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: {
      name: rendered.metadata!.name!,
      annotations: template.metadata!.annotations,
    },
    spec: {
      containerConcurrency: template.spec!.containerConcurrency!,
      containers: template.spec!.containers as unknown as CloudRunRevision['spec']['containers'],
    },
  })
}

/** A Deployment with the ConfigMaps its `envFrom` names, its HPA, and the digest its pods run. */
export function settingsOfDeployment(
  deployment: Deployment,
  context: { configMaps: readonly ConfigMap[]; hpa?: Hpa | undefined; pods?: readonly Pod[] },
): RunSettings {
  const container = deployment.spec.template.spec.containers[0]!
  const fromConfigMaps: Record<string, string> = {}
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name
    const configMap = context.configMaps.find((c) => c.metadata.name === name)
    Object.assign(fromConfigMaps, configMap?.data ?? {})
  }
  const selector = deployment.spec.template.metadata?.labels ?? {}
  const digests = (context.pods ?? [])
    .filter((pod) => Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v))
    .flatMap((pod) => pod.status?.containerStatuses ?? [])
    .filter((status) => status.image === container.image)
    .flatMap((status) => (status.imageID?.includes('@') ? [digestOf(status.imageID)!] : []))
  const surge = deployment.spec.strategy?.rollingUpdate?.maxSurge
  const replicas = deployment.spec.replicas ?? 1
  return {
    image: container.image,
    digest: [...new Set(digests)].join(', ') || null,
    env: envOf(container, fromConfigMaps),
    secretRefs: secretRefsOf(container),
    startupProbe: startupProbeOf(container),
    minInstances: context.hpa ? (context.hpa.spec.minReplicas ?? 1) : replicas,
    maxInstances: context.hpa ? context.hpa.spec.maxReplicas : replicas,
    concurrency: null,
    vpcConnector: null,
    vpcEgress: null,
    cloudSqlInstances: [],
    surgeInstances: typeof surge === 'number' ? surge : null,
  }
}
