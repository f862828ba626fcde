import type { DeployFaultCode } from '../../errors.js'
import type { FleetCheck } from '../fleet-checks.js'
import type { FleetService, Platform } from '../fleet-schema.js'
import { MUTABLE_TAGS } from '../release.js'
import { STARTUP_REPORT_SECRET_KEY } from '../service-catalog.js'
import { drift, ok, type PlatformFinding } from './findings.js'
import { BUDGET_VARIABLES, type BudgetVariable, type RunSettings } from './run-settings.js'

/** The commands that put one setting of one service back to the plan, per platform. */
export interface FixCommands {
  env(name: string, value: string): string
  maxInstances(value: number): string
  minInstances(value: number): string
  concurrency(value: number): string
  network(connector: string, egress: string): string
  cloudSql(connectionName: string): string
  /** Render the plan's release and roll it out whole (the startup probe, the image). */
  rollout(): string
}

/** One planned service as it runs, with everything a line needs to say why a difference matters. */
export interface ServiceComparison {
  readonly resource: string
  readonly platform: Platform
  readonly planned: RunSettings
  readonly live: RunSettings
  /** The plan's service, defaults resolved. */
  readonly service: FleetService
  /** `deploy check`'s per-service checks with the live values in place of the plan's (`backend probe window`…). */
  readonly liveChecks: ReadonlyMap<string, FleetCheck>
  /** How long the plan's connector takes to admit every instance of a cold start; null without a connector. */
  readonly connectorQueueMs: number | null
  readonly fixes: FixCommands
}

const TIMEOUT_VARIABLES: readonly BudgetVariable[] = [
  'DB_CONNECT_TIMEOUT_MS',
  'STARTUP_DEADLINE_MS',
  'PLATFORM_STARTUP_WINDOW_MS',
  'DRAIN_DELAY_MS',
]
/** Where the collector's secret lives, on Kubernetes (a key) and on Cloud Run (a secret). */
const COLLECTOR_SECRET_NAMES = [STARTUP_REPORT_SECRET_KEY, `tarmac-${STARTUP_REPORT_SECRET_KEY}`]
const show = (value: string | number | null | undefined, unset = 'unset') =>
  value === null || value === undefined || value === '' ? unset : String(value)
const tagOf = (image: string) => {
  const name = image.slice(image.lastIndexOf('/') + 1)
  return name.includes(':') ? name.slice(name.indexOf(':') + 1) : null
}

/** A failing live check, as a reason: its numbers and what it means. */
const failing = (checks: ReadonlyMap<string, FleetCheck>, ...names: string[]) =>
  names.map((name) => checks.get(name)).find((check) => check !== undefined && !check.passed)

/**
 * Every storm-relevant setting of one service, plan against what runs: the image (and its digest), the budget
 * variables, the startup probe, the instances, concurrency, the network path. One finding per setting: `ok`, or
 * a drift with why it matters in a cold-start storm (the plan's own checks on the live numbers, when they fail)
 * and the command that puts it back.
 */
export function compareService(c: ServiceComparison): PlatformFinding[] {
  const findings: PlatformFinding[] = []
  const { resource, planned, live, service, fixes } = c
  const name = service.name
  const add = (
    subject: string,
    plan: string,
    now: string,
    code: DeployFaultCode,
    why: () => string,
    fix: () => string,
  ) =>
    findings.push(
      plan === now
        ? ok(resource, subject, now, { plan, service: name })
        : drift(resource, subject, { plan, live: now, why: why(), fix: fix(), code, service: name }),
    )

  findings.push(imageFinding(c))
  for (const variable of BUDGET_VARIABLES) {
    const plan = planned.env[variable]
    if (plan === undefined) continue
    const timeouts = TIMEOUT_VARIABLES.includes(variable)
    add(
      variable,
      plan,
      show(live.env[variable]),
      timeouts ? 'DEPLOY_DRIFT_TIMEOUTS' : 'DEPLOY_DRIFT_CONNECTIONS',
      () => whyVariable(variable, c),
      () => fixes.env(variable, plan),
    )
  }
  add(
    'startup probe',
    probeText(planned),
    probeText(live),
    'DEPLOY_DRIFT_TIMEOUTS',
    () => whyProbe(c),
    () => fixes.rollout(),
  )
  add(
    'max instances',
    show(planned.maxInstances),
    show(live.maxInstances, c.platform === 'cloud-run' ? "unset (Cloud Run's default, 100)" : 'unset'),
    'DEPLOY_DRIFT_CONNECTIONS',
    () =>
      `each instance holds up to DB_POOL_MAX connections once ready, and one while it starts: ${show(live.maxInstances, '100')} instances ${(live.maxInstances ?? 100) > (planned.maxInstances ?? 0) ? 'can open more connections than' : 'are not what'} the plan budgeted for ${show(planned.maxInstances)} (see the connection budget below)`,
    () => fixes.maxInstances(planned.maxInstances!),
  )
  add(
    'min instances',
    show(planned.minInstances),
    show(live.minInstances, 'unset (0)'),
    'DEPLOY_DRIFT_SCALING',
    () =>
      (live.minInstances ?? 0) < (planned.minInstances ?? 0)
        ? `fewer warm instances: a burst of traffic cold-starts more instances at once, each queueing for a connection through the connector`
        : 'more instances stay up than planned: each holds its pool, so fewer slots are left for a storm',
    () => fixes.minInstances(planned.minInstances!),
  )
  if (c.platform === 'cloud-run') {
    add(
      'concurrency',
      show(planned.concurrency),
      show(live.concurrency, "unset (Cloud Run's default, 80)"),
      'DEPLOY_DRIFT_SCALING',
      () =>
        failing(c.liveChecks, `${name} cloud-run concurrency`)?.numbers ??
        `requests and WebSockets one instance takes: ${show(live.concurrency, '80')} instead of ${show(planned.concurrency)} changes how many instances a surge of sockets starts at once`,
      () => fixes.concurrency(planned.concurrency!),
    )
    add(
      'vpc access',
      `${show(planned.vpcConnector)} (egress ${show(planned.vpcEgress)})`,
      `${show(live.vpcConnector, 'no connector')} (egress ${show(live.vpcEgress)})`,
      'DEPLOY_DRIFT_NETWORK',
      () =>
        live.vpcConnector === null
          ? 'without a connector the database, PgBouncer and Redis on private addresses have no route: every connect fails in tcp'
          : live.vpcConnector !== planned.vpcConnector
            ? 'another connector carries the traffic than the one the plan sized (and `deploy verify` reads)'
            : 'all-traffic egress sends every outbound call through the connector too: its capacity is shared with them',
      () => fixes.network(planned.vpcConnector!, planned.vpcEgress!),
    )
    if (planned.cloudSqlInstances.length > 0)
      add(
        'cloud sql socket',
        planned.cloudSqlInstances.join(', '),
        live.cloudSqlInstances.join(', ') || 'none mounted',
        'DEPLOY_DRIFT_NETWORK',
        () =>
          `no socket at /cloudsql/${planned.cloudSqlInstances[0]}: every connect through it fails at once with PG_ERR_SOCKET_NOT_FOUND and the instance exits 3`,
        () => fixes.cloudSql(planned.cloudSqlInstances[0]!),
      )
  }
  const credential = planned.secretRefs.STARTUP_REPORT_TOKEN
  if (credential !== undefined && name !== 'frontend') {
    const held = live.secretRefs.STARTUP_REPORT_TOKEN
    add(
      'collector credential',
      credential,
      show(held, live.env.STARTUP_REPORT_TOKEN === undefined ? 'unset' : 'a plain value'),
      'DEPLOY_DRIFT_SECRETS',
      () =>
        held !== undefined && held.split('/').some((part) => COLLECTOR_SECRET_NAMES.includes(part))
          ? `${name} holds the cold-start collector's secret: from it, it can derive every service's credential and write, steer or evict their cold-start records (docs/security.md)`
          : held === undefined && live.env.STARTUP_REPORT_TOKEN === undefined
            ? `${name} sends its cold-start reports without a credential: the collector refuses them (401), and its failed starts leave no evidence`
            : `${name} reads its collector credential from elsewhere than the plan's secret: rotations of the plan's secret miss it`,
      () =>
        `printf %s "$SECRET" | tarmac deploy credentials --service ${name} into ${credential.split('/')[0] === 'tarmac-secrets' ? `tarmac-secrets key ${credential.split('/')[1]}` : `the secret ${credential.split('/')[0]}`}, then ${fixes.rollout()}`,
    )
  }
  if (c.platform === 'kubernetes' && planned.surgeInstances !== null)
    add(
      'rollout surge',
      show(planned.surgeInstances),
      show(live.surgeInstances),
      'DEPLOY_DRIFT_CONNECTIONS',
      () =>
        `a rollout runs up to maxReplicas + ${show(live.surgeInstances)} pods at once; DB_FLEET_SIZE and the budget count ${show(planned.surgeInstances)}`,
      () => fixes.rollout(),
    )
  return findings
}

function imageFinding(c: ServiceComparison): PlatformFinding {
  const { resource, planned, live, service, fixes } = c
  const digest = live.digest ?? 'digest not reported'
  const now = `${live.image} @ ${digest}`
  const tag = tagOf(live.image)
  if (tag === null || MUTABLE_TAGS.includes(tag.toLowerCase()))
    return drift(resource, 'image', {
      plan: planned.image,
      live: now,
      why:
        live.digest === null
          ? `${tag ?? 'no tag'} names no build and the platform reports no digest: nobody can say which code runs, and the next instance to start may pull another build`
          : `${tag ?? 'no tag'} names no build: only the digest says what runs, and nothing ties it to a commit`,
      fix: fixes.rollout(),
      code: 'DEPLOY_IMAGE_UNRELEASED',
      service: service.name,
    })
  if (live.image !== planned.image)
    return drift(resource, 'image', {
      plan: planned.image,
      live: now,
      why: `another release runs (${tag}) than the plan names (${tagOf(planned.image)}): the numbers deploy check passed are the plan's, not necessarily what that release was deployed with`,
      fix: `${fixes.rollout()} — or, if ${tag} is meant to run, verify with --tag ${tag}`,
      code: 'DEPLOY_DRIFT_RELEASE',
      service: service.name,
    })
  return ok(resource, 'image', now, { plan: planned.image, service: service.name })
}

function probeText(settings: RunSettings): string {
  const { kind, path, windowMs } = settings.startupProbe
  if (kind === 'none') return 'none'
  return `${kind}${path ? ` ${path}` : ''}, window ${show(windowMs)} ms`
}

function whyProbe(c: ServiceComparison): string {
  const { live, service } = c
  if (live.startupProbe.kind !== 'http')
    return `a ${live.startupProbe.kind === 'none' ? 'default TCP' : live.startupProbe.kind} probe passes as soon as the port listens — before the database phase: traffic reaches instances still connecting, and an instance that cannot start is never told apart from one that is slow`
  const check = failing(
    c.liveChecks,
    `${service.name} probe window`,
    `${service.name} cloud-run probe window`,
  )
  if (check) return `${check.numbers}: the platform kills an instance before it can report why it failed`
  return `the window no longer matches PLATFORM_STARTUP_WINDOW_MS and the deadline the plan sized it for`
}

function whyVariable(variable: BudgetVariable, c: ServiceComparison): string {
  const { service, live, liveChecks } = c
  const name = service.name
  const value = live.env[variable]
  switch (variable) {
    case 'DB_CONNECT_TIMEOUT_MS': {
      const attempts = failing(liveChecks, `${name} connect attempts`)
      if (attempts) return `${attempts.numbers}: a slow connector gets one try`
      const planned = service.connectTimeoutMs
      const queue =
        c.connectorQueueMs === null
          ? ''
          : ` (a cold start of every instance queues ${c.connectorQueueMs} ms at the plan's connector rate)`
      return value !== undefined && Number(value) < planned
        ? `each attempt gives up after ${value} ms instead of ${planned} ms: a connect still queued behind a cold connector${queue} is abandoned, and the retry queues again at the back — the incident's 8 s timeout`
        : `each attempt may wait ${show(value)} ms instead of ${planned} ms: fewer attempts fit the deadline`
    }
    case 'STARTUP_DEADLINE_MS':
    case 'PLATFORM_STARTUP_WINDOW_MS': {
      const check = failing(
        liveChecks,
        `${name} probe window`,
        `${name} connect attempts`,
        `${name} cloud-run probe window`,
      )
      if (check) return `${check.numbers}`
      return variable === 'STARTUP_DEADLINE_MS'
        ? 'the deadline no longer sits where the plan put it inside the probe window: either an instance gives up earlier than it must, or the platform kills it before it reports'
        : 'the service compares its deadline with this window at start; a wrong one hides a deadline the platform will cut short'
    }
    case 'DRAIN_DELAY_MS':
      return (
        failing(liveChecks, `${name} cloud-run shutdown`)?.numbers ??
        'the drain before stopping differs from the plan: sockets close later or earlier than the platform expects'
      )
    case 'DB_POOL_MAX':
      return `each instance opens up to ${show(value)} connections instead of ${service.poolMax}: the budget is instances × pool (see the connection budget below)`
    case 'DB_FLEET_SIZE':
      return `the admission divides the database's free slots by DB_FLEET_SIZE: with ${show(value)} instead of ${service.maxInstances + service.surgeInstances}, each instance ${Number(value) < service.maxInstances + service.surgeInstances ? 'takes a larger share, and the last instances to start find no slot (53300)' : 'takes a smaller share than it may'}`
    case 'DB_POOLER':
      return `${show(value)} instead of ${c.planned.env.DB_POOLER}: the service budgets its pool as if it talked to ${value === 'transaction' ? 'PgBouncer' : 'Postgres itself'}, and migrations lock ${value === 'transaction' ? 'per transaction' : 'per session'}`
  }
}
