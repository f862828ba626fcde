/**
 * What `tarmac deploy verify` asks the platforms, and where each answer comes from: the command a user with
 * access runs (`gcloud … --format=json`, `kubectl get … -o json`), and the file it is saved as for `--from DIR`.
 * One request, one command, one file: `--save DIR` writes what `--from DIR` reads.
 */
export const KUBERNETES_LISTS = ['deployments', 'horizontalpodautoscalers', 'configmaps', 'pods'] as const
export type KubernetesList = (typeof KUBERNETES_LISTS)[number]

/** The tools a live read runs. */
export const PLATFORM_TOOLS = ['gcloud', 'kubectl'] as const
export type PlatformTool = (typeof PLATFORM_TOOLS)[number]

export type PlatformRequest =
  | {
      readonly kind: 'cloud-run-service'
      readonly project: string
      readonly region: string
      readonly name: string
    }
  | {
      readonly kind: 'cloud-run-revision'
      readonly project: string
      readonly region: string
      readonly name: string
    }
  | {
      readonly kind: 'vpc-connector'
      readonly project: string
      readonly region: string
      readonly name: string
    }
  | { readonly kind: 'cloud-sql-instance'; readonly project: string; readonly instance: string }
  | { readonly kind: 'kubernetes-list'; readonly namespace: string; readonly list: KubernetesList }

/** The Kubernetes resource (with its API group and version) each list reads: the shapes the fixtures follow. */
const KUBECTL_RESOURCES: Readonly<Record<KubernetesList, string>> = {
  deployments: 'deployments.v1.apps',
  horizontalpodautoscalers: 'horizontalpodautoscalers.v2.autoscaling',
  configmaps: 'configmaps',
  pods: 'pods',
}

/** The file an answer is saved as, relative to the `--from` / `--save` directory. */
export function savedPathOf(request: PlatformRequest): string {
  switch (request.kind) {
    case 'cloud-run-service':
      return `cloud-run/services/${request.name}.json`
    case 'cloud-run-revision':
      return `cloud-run/revisions/${request.name}.json`
    case 'vpc-connector':
      return `vpc-access/connectors/${request.name}.json`
    case 'cloud-sql-instance':
      return `cloud-sql/instances/${request.instance}.json`
    case 'kubernetes-list':
      return `kubernetes/${request.namespace}/${request.list}.json`
  }
}

/** The command that reads it live: the tool and its arguments (JSON on stdout). */
export function commandOf(request: PlatformRequest): { tool: PlatformTool; args: string[] } {
  const where = (r: { project: string; region: string }) => ['--project', r.project, '--region', r.region]
  switch (request.kind) {
    case 'cloud-run-service':
      return {
        tool: 'gcloud',
        args: ['run', 'services', 'describe', request.name, ...where(request), '--format=json'],
      }
    case 'cloud-run-revision':
      return {
        tool: 'gcloud',
        args: ['run', 'revisions', 'describe', request.name, ...where(request), '--format=json'],
      }
    case 'vpc-connector':
      return {
        tool: 'gcloud',
        args: [
          ...['compute', 'networks', 'vpc-access', 'connectors', 'describe', request.name],
          ...where(request),
          '--format=json',
        ],
      }
    case 'cloud-sql-instance':
      return {
        tool: 'gcloud',
        args: [
          'sql',
          'instances',
          'describe',
          request.instance,
          '--project',
          request.project,
          '--format=json',
        ],
      }
    case 'kubernetes-list':
      return {
        tool: 'kubectl',
        args: ['get', KUBECTL_RESOURCES[request.list], '--namespace', request.namespace, '--output=json'],
      }
  }
}

/** The command line as a user would type it, for messages and docs. */
export function commandLineOf(request: PlatformRequest): string {
  const { tool, args } = commandOf(request)
  return [tool, ...args].join(' ')
}
