import type { z } from 'zod'
import { CliError } from '../../errors.js'
import type { Platform } from '../fleet-schema.js'
import type { ResolvedRender } from '../render-schema.js'
import type { RenderedService } from '../service-catalog.js'
import {
  cloudRunRevisionSchema,
  cloudRunServiceSchema,
  cloudSqlInstanceSchema,
  configMapSchema,
  deploymentSchema,
  hpaSchema,
  listOf,
  podSchema,
  shapeProblems,
  vpcConnectorSchema,
  type CloudRunRevision,
  type CloudRunService,
  type CloudSqlInstance,
  type ConfigMap,
  type Deployment,
  type Hpa,
  type Pod,
  type VpcConnector,
} from './platform-answers.js'
import { commandLineOf, type PlatformRequest } from './platform-requests.js'
import type { PlatformSource, Refusal } from './platform-source.js'

/** A Cloud Run revision that serves traffic, with its share. */
export interface ServingRevision {
  readonly name: string
  readonly percent: number
  readonly latest: boolean
  readonly revision: CloudRunRevision
}

/** One planned service on Cloud Run: its Service (null: not deployed) and the revisions serving it. */
export interface CloudRunObservation {
  readonly service: RenderedService
  readonly serviceName: string
  readonly live: CloudRunService | null
  readonly revisions: readonly ServingRevision[]
}

/** Everything read from the platforms, before any comparison. Null: not deployed (`missing`). */
export interface PlatformState {
  readonly source: string
  readonly cloudRun?: {
    readonly project: string
    readonly region: string
    readonly services: readonly CloudRunObservation[]
  }
  readonly connector?: {
    readonly project: string
    readonly region: string
    readonly name: string
    readonly live: VpcConnector | null
  }
  readonly cloudSql?: {
    readonly project: string
    readonly connectionName: string
    readonly live: CloudSqlInstance | null
  }
  readonly kubernetes?: {
    readonly namespace: string
    readonly deployments: readonly Deployment[]
    readonly hpas: readonly Hpa[]
    readonly configMaps: readonly ConfigMap[]
    readonly pods: readonly Pod[]
  }
}

/** `projects/P/locations/R/connectors/NAME` → its parts. */
export function connectorPathOf(path: string): { project: string; region: string; name: string } | null {
  const match = /^projects\/([^/]+)\/locations\/([^/]+)\/connectors\/([^/]+)$/.exec(path)
  return match ? { project: match[1]!, region: match[2]!, name: match[3]! } : null
}

/** `PROJECT:REGION:INSTANCE` (the project may be domain-scoped, `example.com:p`) → its parts. */
export function connectionNameOf(name: string): { project: string; region: string; instance: string } {
  const parts = name.split(':')
  const instance = parts.pop()!
  const region = parts.pop()!
  return { project: parts.join(':'), region, instance }
}

/** What could not be read, by how it failed. */
type Problems = Record<Exclude<Refusal, 'missing'>, string[]>

/**
 * Reads, for the plan's platforms: each planned Cloud Run service and the revisions serving its traffic, the VPC
 * connector, the Cloud SQL instance, and the Kubernetes namespace's Deployments, HPAs, ConfigMaps and Pods. A
 * resource that does not exist is an observation (null); anything that could not be read is collected, and
 * when there is any, one `CliError` lists them all: `CLI_ERR_PLATFORM_DENIED` (exit 2) when the platform
 * refused the caller, else `CLI_ERR_PLATFORM_ANSWER_INVALID` (exit 2), else `CLI_ERR_PLATFORM_FAILED` (exit 3).
 */
export async function gatherPlatform(
  render: ResolvedRender,
  planned: readonly RenderedService[],
  platforms: readonly Platform[],
  source: PlatformSource,
): Promise<PlatformState> {
  const problems: Problems = { denied: [], failed: [], unreadable: [] }
  const read = async <T extends z.ZodType>(
    request: PlatformRequest,
    schema: T,
  ): Promise<z.output<T> | null> => {
    const answer = await source.read(request)
    if (!answer.ok) {
      if (answer.refusal === 'missing') return null
      problems[answer.refusal].push(`${commandLineOf(request)}: ${answer.message}`)
      return null
    }
    const parsed = schema.safeParse(answer.json)
    if (parsed.success) return parsed.data
    problems.unreadable.push(
      `${commandLineOf(request)}: not the shape its API defines: ${shapeProblems(parsed.error).slice(0, 5).join('; ')}`,
    )
    return null
  }

  let state: PlatformState = { source: source.label }
  if (platforms.includes('cloud-run') && render.cloudRun) {
    const where = connectorPathOf(render.cloudRun.vpcConnector)
    if (where === null)
      throw new CliError(
        'CLI_ERR_CONFIG_INVALID',
        `deploy.cloudRun.vpcConnector must be projects/PROJECT/locations/REGION/connectors/NAME to verify (it names the project and region), got "${render.cloudRun.vpcConnector}"`,
      )
    const { project, region } = where
    const services = await Promise.all(
      planned.map(async (service): Promise<CloudRunObservation> => {
        const serviceName = `tarmac-${service}`
        const live = await read(
          { kind: 'cloud-run-service', project, region, name: serviceName },
          cloudRunServiceSchema,
        )
        const serving = servingOf(live)
        const revisions = await Promise.all(
          serving.map(async ({ name, percent, latest }) => {
            const revision = await read(
              { kind: 'cloud-run-revision', project, region, name },
              cloudRunRevisionSchema,
            )
            return revision === null ? [] : [{ name, percent, latest, revision }]
          }),
        )
        return { service, serviceName, live, revisions: revisions.flat() }
      }),
    )
    const connector = await read({ kind: 'vpc-connector', ...where }, vpcConnectorSchema)
    state = { ...state, cloudRun: { project, region, services }, connector: { ...where, live: connector } }
  }
  if (render.cloudSql) {
    const { project, instance } = connectionNameOf(render.cloudSql.connectionName)
    const live = await read({ kind: 'cloud-sql-instance', project, instance }, cloudSqlInstanceSchema)
    state = { ...state, cloudSql: { project, connectionName: render.cloudSql.connectionName, live } }
  }
  if (platforms.includes('kubernetes')) {
    const namespace = render.kubernetes.namespace
    const list = <T extends z.ZodType>(
      name: 'deployments' | 'horizontalpodautoscalers' | 'configmaps' | 'pods',
      item: T,
    ) =>
      read({ kind: 'kubernetes-list', namespace, list: name }, listOf(item)).then(
        (answer) => answer?.items ?? [],
      )
    const [deployments, hpas, configMaps, pods] = await Promise.all([
      list('deployments', deploymentSchema),
      list('horizontalpodautoscalers', hpaSchema),
      list('configmaps', configMapSchema),
      list('pods', podSchema),
    ])
    state = { ...state, kubernetes: { namespace, deployments, hpas, configMaps, pods } }
  }
  throwProblems(problems, source.label)
  return state
}

/** The revisions serving a service's traffic (share > 0), else its latest ready revision. */
function servingOf(live: CloudRunService | null): { name: string; percent: number; latest: boolean }[] {
  if (live === null) return []
  const latest = live.status?.latestReadyRevisionName
  const shares = new Map<string, number>()
  for (const target of live.status?.traffic ?? []) {
    const name = target.revisionName ?? (target.latestRevision ? latest : undefined)
    if (name !== undefined && (target.percent ?? 0) > 0)
      shares.set(name, (shares.get(name) ?? 0) + target.percent!)
  }
  if (shares.size === 0 && latest !== undefined) shares.set(latest, 100)
  return [...shares].map(([name, percent]) => ({ name, percent, latest: name === latest }))
}

function throwProblems(problems: Problems, label: string): void {
  const lines = [
    ...problems.denied.map((line) => `refused: ${line}`),
    ...problems.unreadable.map((line) => `unreadable: ${line}`),
    ...problems.failed.map((line) => `failed: ${line}`),
  ]
  if (lines.length === 0) return
  const code =
    problems.denied.length > 0
      ? 'CLI_ERR_PLATFORM_DENIED'
      : problems.unreadable.length > 0
        ? 'CLI_ERR_PLATFORM_ANSWER_INVALID'
        : 'CLI_ERR_PLATFORM_FAILED'
  throw new CliError(
    code,
    `could not read the platform (${label}); nothing compared:\n  ${lines.join('\n  ')}`,
  )
}
