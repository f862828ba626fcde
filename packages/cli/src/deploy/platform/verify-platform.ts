import { CliError } from '../../errors.js'
import { fleetServices, type FleetConfig, type Platform } from '../fleet-schema.js'
import type { ResolvedRender } from '../render-schema.js'
import { isRenderedService, type RenderedService } from '../service-catalog.js'
import { compareBudget } from './compare-budget.js'
import { compareCloudRun, type VerifyPlan } from './compare-cloud-run.js'
import { compareKubernetes } from './compare-kubernetes.js'
import { compareCloudSql, compareConnector } from './compare-resources.js'
import type { PlatformFinding } from './findings.js'
import { gatherPlatform, type PlatformState } from './gather-platform.js'
import type { PlatformSource } from './platform-source.js'

/** The plan as the comparisons read it: its rendered services, and how long its connector takes to admit a storm. */
export function verifyPlanOf(fleet: FleetConfig, render: ResolvedRender): VerifyPlan {
  const services = fleetServices(fleet).filter((s): s is typeof s & { name: RenderedService } =>
    isRenderedService(s.name),
  )
  const users = services.filter((s) => s.database !== 'none').reduce((sum, s) => sum + s.maxInstances, 0)
  return {
    fleet,
    render,
    services,
    connectorQueueMs: fleet.connector
      ? Math.ceil((users / fleet.connector.admissionsPerSecond) * 1000)
      : null,
  }
}

/** Which platforms to read: the ones asked for, else the plan's; Cloud Run only with a `deploy.cloudRun` section. */
export function platformsToRead(
  fleet: FleetConfig,
  render: ResolvedRender,
  asked: readonly Platform[],
): Platform[] {
  const platforms = asked.length > 0 ? [...asked] : [...fleet.platforms]
  if (platforms.length === 0)
    throw new CliError(
      'CLI_ERR_USAGE',
      'the plan names no platform (fleet.platforms): say which to read with --platform cloud-run or --platform kubernetes',
    )
  if (platforms.includes('cloud-run') && !render.cloudRun)
    throw new CliError(
      'CLI_ERR_CONFIG_INVALID',
      'reading Cloud Run needs deploy.cloudRun (its vpcConnector names the project and region)',
    )
  return platforms
}

/** Everything the platform says, held to the plan: one finding per setting, in a stable order. */
export function comparePlatform(
  plan: VerifyPlan,
  state: PlatformState,
  platforms: readonly Platform[],
): PlatformFinding[] {
  return [
    ...compareCloudRun(plan, state),
    ...compareConnector(plan, state),
    ...compareCloudSql(plan, state),
    ...compareKubernetes(plan, state),
    ...platforms.flatMap((platform) => compareBudget(plan, state, platform)),
  ]
}

/** Reads the platforms and compares: what `deploy verify` and `diagnose --platform` share. */
export async function verifyPlatform(
  fleet: FleetConfig,
  render: ResolvedRender,
  options: { readonly source: PlatformSource; readonly platforms?: readonly Platform[] },
): Promise<{ state: PlatformState; findings: PlatformFinding[]; platforms: Platform[] }> {
  const platforms = platformsToRead(fleet, render, options.platforms ?? [])
  const plan = verifyPlanOf(fleet, render)
  const state = await gatherPlatform(
    render,
    plan.services.map((s) => s.name),
    platforms,
    options.source,
  )
  return { state, findings: comparePlatform(plan, state, platforms), platforms }
}
