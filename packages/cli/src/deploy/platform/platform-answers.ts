import { z } from 'zod'

// The parts of each platform answer `tarmac deploy verify` reads, as the public API references define them
// (fields it does not read are dropped, so a newer API version with more fields still parses):
//   Cloud Run Admin API v1 (Knative serving.knative.dev/v1): Service, Revision — `gcloud run … describe`
//   Serverless VPC Access API v1: Connector — `gcloud compute networks vpc-access connectors describe`
//   Cloud SQL Admin API v1: DatabaseInstance — `gcloud sql instances describe`
//   Kubernetes: apps/v1 Deployment, autoscaling/v2 HorizontalPodAutoscaler, v1 ConfigMap, v1 Pod, in a v1 List

const annotations = z.record(z.string(), z.string()).optional()
const metadata = z.object({ name: z.string(), annotations, labels: annotations })

const envVar = z.object({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z.object({}).loose().optional(),
})
const probe = z.object({
  httpGet: z.object({ path: z.string().optional() }).loose().optional(),
  tcpSocket: z.object({}).loose().optional(),
  grpc: z.object({}).loose().optional(),
  periodSeconds: z.number().int().optional(),
  failureThreshold: z.number().int().optional(),
  timeoutSeconds: z.number().int().optional(),
  initialDelaySeconds: z.number().int().optional(),
})
const container = z.object({
  name: z.string().optional(),
  image: z.string(),
  env: z.array(envVar).optional(),
  envFrom: z.array(z.object({ configMapRef: z.object({ name: z.string() }).optional() })).optional(),
  startupProbe: probe.optional(),
  livenessProbe: probe.optional(),
})

/** Cloud Run v1 Service: the template new revisions get, and which revisions serve traffic. */
export const cloudRunServiceSchema = z.object({
  apiVersion: z.literal('serving.knative.dev/v1'),
  kind: z.literal('Service'),
  metadata,
  status: z
    .object({
      latestReadyRevisionName: z.string().optional(),
      latestCreatedRevisionName: z.string().optional(),
      url: z.string().optional(),
      traffic: z
        .array(
          z.object({
            revisionName: z.string().optional(),
            percent: z.number().optional(),
            latestRevision: z.boolean().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
})
export type CloudRunService = z.output<typeof cloudRunServiceSchema>

/** Cloud Run v1 Revision: what actually runs — its settings and the digest its image resolved to. */
export const cloudRunRevisionSchema = z.object({
  apiVersion: z.literal('serving.knative.dev/v1'),
  kind: z.literal('Revision'),
  metadata,
  spec: z.object({
    containerConcurrency: z.number().int().optional(),
    timeoutSeconds: z.number().int().optional(),
    containers: z.array(container).min(1),
  }),
  status: z
    .object({
      imageDigest: z.string().optional(),
      containerStatuses: z
        .array(z.object({ name: z.string().optional(), imageDigest: z.string().optional() }))
        .optional(),
    })
    .optional(),
})
export type CloudRunRevision = z.output<typeof cloudRunRevisionSchema>

/** Serverless VPC Access v1 Connector. */
export const vpcConnectorSchema = z.object({
  name: z.string(),
  state: z.enum(['STATE_UNSPECIFIED', 'READY', 'CREATING', 'DELETING', 'ERROR', 'UPDATING']),
  machineType: z.string().optional(),
  minInstances: z.number().int().optional(),
  maxInstances: z.number().int().optional(),
  minThroughput: z.number().int().optional(),
  maxThroughput: z.number().int().optional(),
})
export type VpcConnector = z.output<typeof vpcConnectorSchema>

/** Cloud SQL Admin v1 DatabaseInstance. */
export const cloudSqlInstanceSchema = z.object({
  kind: z.literal('sql#instance').optional(),
  name: z.string(),
  connectionName: z.string(),
  databaseVersion: z.string(),
  state: z.string(),
  settings: z.object({
    tier: z.string(),
    activationPolicy: z.string().optional(),
    databaseFlags: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
  }),
})
export type CloudSqlInstance = z.output<typeof cloudSqlInstanceSchema>

const podTemplate = z.object({
  metadata: z.object({ labels: annotations }).optional(),
  spec: z.object({
    containers: z.array(container).min(1),
    volumes: z
      .array(z.object({ name: z.string(), configMap: z.object({ name: z.string() }).optional() }))
      .optional(),
  }),
})

/** apps/v1 Deployment. */
export const deploymentSchema = z.object({
  kind: z.literal('Deployment'),
  metadata,
  spec: z.object({
    replicas: z.number().int().optional(),
    strategy: z
      .object({
        rollingUpdate: z.object({ maxSurge: z.union([z.number(), z.string()]).optional() }).optional(),
      })
      .optional(),
    template: podTemplate,
  }),
  status: z.object({ replicas: z.number().optional(), readyReplicas: z.number().optional() }).optional(),
})
export type Deployment = z.output<typeof deploymentSchema>

/** autoscaling/v2 HorizontalPodAutoscaler. */
export const hpaSchema = z.object({
  kind: z.literal('HorizontalPodAutoscaler'),
  metadata,
  spec: z.object({
    scaleTargetRef: z.object({ kind: z.string(), name: z.string() }),
    minReplicas: z.number().int().optional(),
    maxReplicas: z.number().int(),
  }),
  status: z.object({ currentReplicas: z.number().optional() }).optional(),
})
export type Hpa = z.output<typeof hpaSchema>

/** v1 ConfigMap. */
export const configMapSchema = z.object({
  kind: z.literal('ConfigMap'),
  metadata,
  data: z.record(z.string(), z.string()).optional(),
})
export type ConfigMap = z.output<typeof configMapSchema>

/** v1 Pod: the digest each container's image resolved to (`imageID`). */
export const podSchema = z.object({
  kind: z.literal('Pod'),
  metadata,
  status: z
    .object({
      containerStatuses: z
        .array(z.object({ name: z.string(), image: z.string(), imageID: z.string().optional() }))
        .optional(),
    })
    .optional(),
})
export type Pod = z.output<typeof podSchema>

/** `kubectl get … -o json`: a v1 List of one kind. */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ kind: z.literal('List'), items: z.array(item) })

/** One line per problem of an answer that is not the shape it should be: `path: message`. */
export function shapeProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
}
