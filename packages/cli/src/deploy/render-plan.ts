import { stringify } from 'yaml'
import { CliError } from '../errors.js'
import { fleetServices, type FleetConfig, type FleetService } from './fleet-schema.js'
import { renderPgBouncerIni } from './pgbouncer-ini.js'
import { cloudRunService } from './render-cloud-run.js'
import { pgbouncerManifests, redisManifests, serviceManifests } from './render-kubernetes.js'
import type { ResolvedRender } from './render-schema.js'
import { RENDERED_SERVICES, isRenderedService, type RenderedService } from './service-catalog.js'

/** Every file `tarmac deploy render` writes, by path relative to the output directory (deploy/). */
export type RenderedFiles = ReadonlyMap<string, string>

const KUSTOMIZATION = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' }

/**
 * Renders a plan: the Kubernetes base (one file per service: ConfigMap, Deployment, Service, HPA, PDB; Redis;
 * the namespace), PgBouncer (its manifests, kustomization and pgbouncer.ini) when the fleet has a pooler, and a
 * Cloud Run service per service when the plan has `deploy.cloudRun`. Pure and deterministic: the same plan and
 * release give the same bytes, so a test can compare the committed files with a fresh render.
 */
export function renderPlan(fleet: FleetConfig, render: ResolvedRender, source: string): RenderedFiles {
  const services = fleetServices(fleet)
  const unknown = services.filter((s) => !isRenderedService(s.name)).map((s) => s.name)
  if (unknown.length > 0)
    throw new CliError(
      'CLI_ERR_CONFIG_INVALID',
      `tarmac deploy render knows ${RENDERED_SERVICES.join(', ')}; the plan also has ${unknown.join(', ')}`,
    )
  const ours = services as (FleetService & { name: RenderedService })[]
  const header = () =>
    `# Rendered by \`tarmac deploy render\` from ${source} — do not edit; change the plan and render again.\n`
  const yaml = (docs: readonly object[]) =>
    header() + docs.map((doc) => stringify(doc, { lineWidth: 0, singleQuote: true })).join('---\n')
  const files = new Map<string, string>()

  const resources = ['namespace.yaml']
  files.set(
    'kubernetes/base/namespace.yaml',
    yaml([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: render.kubernetes.namespace } }]),
  )
  for (const service of ours) {
    files.set(`kubernetes/base/${service.name}.yaml`, yaml(serviceManifests(fleet, service, render)))
    resources.push(`${service.name}.yaml`)
  }
  if (ours.some((s) => s.name === 'backend')) {
    files.set('kubernetes/base/redis.yaml', yaml(redisManifests()))
    resources.push('redis.yaml')
  }
  if (fleet.pooler) {
    files.set('pgbouncer/pgbouncer.ini', renderPgBouncerIni(fleet, source))
    files.set('pgbouncer/kubernetes.yaml', yaml(pgbouncerManifests(fleet, render)))
    files.set(
      'pgbouncer/kustomization.yaml',
      yaml([
        {
          ...KUSTOMIZATION,
          resources: ['kubernetes.yaml'],
          // A generated name with a content hash: a changed pgbouncer.ini rolls the pods.
          configMapGenerator: [{ name: 'pgbouncer-config', files: ['pgbouncer.ini'] }],
        },
      ]),
    )
    resources.push('../../pgbouncer')
  }
  files.set(
    'kubernetes/base/kustomization.yaml',
    yaml([{ ...KUSTOMIZATION, namespace: render.kubernetes.namespace, resources }]),
  )
  if (render.cloudRun)
    for (const service of ours)
      files.set(`cloud-run/${service.name}.yaml`, yaml([cloudRunService(fleet, service, render)]))
  return files
}
