/**
 * bench/startup-storm: N real service processes cold-start at once through a slow, capacity-limited
 * connector against a Postgres with a small max_connections — Tarmac beside the naive start the incident
 * used, and beside the CPU floor of N Tarmac starts, in one run. See README.md.
 *
 *   npm run build && npx tsx --conditions=@tarmac/source bench/startup-storm/run.ts [--scenarios a,b] [--contestants x,y]
 *     [--instances N] [--label L] [--out FILE]
 *
 * Writes the run into results.json (or --out) under its label; the README's tables are rendered from it
 * (`npm run bench:tables`).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createConnector, type ConnectorOptions } from '@tarmac/connector'
import { getFreePort } from '@tarmac/testing'
import { CONTESTANTS, type Contestant } from './contestants.js'
import { runFleet } from './fleet.js'
import { summarise, table, type ContestantResult } from './report.js'
import type { StartupStormResult } from './tables.js'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import {
  SCENARIOS,
  UNCONSTRAINED,
  admissionLimitMs,
  type ConnectorModel,
  type Scenario,
} from './scenarios.js'
import { AUTH_DATABASE, BACKEND_DATABASE, startStormDatabase, type StormDatabase } from './storm-database.js'
import { startStormPooler, type PoolerPeaks, type StormPooler } from './storm-pooler.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const HERE = fileURLToPath(new URL('.', import.meta.url))
const BACKEND_MAIN = join(ROOT, 'services/backend/dist/main.js')
const AUTH_MAIN = join(ROOT, 'services/auth/dist/main.js')
const NAIVE_MAIN = join(HERE, 'naive-instance.mjs')
/** Past the backend's 120 s startup deadline and the baseline's 90 s timeout. */
const FLEET_TIMEOUT_MS = 150_000
const POLL_INTERVAL_MS = 200

const { values: args } = parseArgs({
  options: {
    scenarios: { type: 'string' },
    contestants: { type: 'string' },
    instances: { type: 'string' },
    ...RUN_OPTIONS,
  },
})
const pick = <T extends { name: string }>(all: readonly T[], list: string | undefined): T[] =>
  list
    ? list.split(',').map((name) => all.find((item) => item.name === name) ?? fail(`unknown: ${name}`))
    : [...all]
function fail(message: string): never {
  throw new Error(message)
}

function connectorOptions(model: ConnectorModel, upstreamPort: number): ConnectorOptions {
  const delay = model.establishDelayMs
  return {
    upstream: { host: '127.0.0.1', port: upstreamPort },
    establishDelayMs: delay.minMs === delay.maxMs ? delay.minMs : delay,
    capacity: model.capacity,
    ...(model.scaleUp ? { scaleUp: model.scaleUp } : {}),
  }
}

/** Starts one process and resolves once its /health/ready answers 200 (auth, or a pre-migrating backend). */
async function startService(
  main: string,
  env: Record<string, string>,
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await getFreePort()
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${main} exited with ${child.exitCode}`)
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (i > 600) throw new Error(`${main} not ready after 60 s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

async function runContestant(
  scenario: Scenario,
  contestant: Contestant,
  db: StormDatabase,
  authUrl: string,
  instances: number,
  pooler: StormPooler | undefined,
): Promise<ContestantResult> {
  const model = contestant.connector === 'scenario' ? scenario.connector : UNCONSTRAINED
  // With a pooler the connector leads to it (as a VPC connector leads to a PgBouncer in the VPC), unless the
  // contestant goes past it.
  const via = pooler && !contestant.bypassPooler ? pooler : undefined
  const connector = createConnector(connectorOptions(model, via ? via.bouncer.port : db.cluster.port))
  const { url: viaConnector } = await connector.listen()
  const direct = db.url(BACKEND_DATABASE)
  const databaseUrl = viaConnector(
    via ? direct.replace(`:${db.cluster.port}/`, `:${via.bouncer.port}/`) : direct,
  )
  const logDir = await mkdtemp(join(tmpdir(), `storm-${scenario.name}-${contestant.name}-`))
  await db.markLog()
  let peakBackends = 0
  let peakAll = 0
  const poolerPeaks: PoolerPeaks = { clients: 0, servers: 0, waiting: 0 }
  const fleetApp = contestant.kind === 'tarmac' ? 'tarmac-backend' : 'naive'
  // Through PgBouncer the server connections are the pooler's, named `tarmac-backend - 127.0.0.1:port` by
  // application_name_add_host (and kept after the fleet exits); direct ones are the fleet's own.
  const ofFleet = (byApplication: Readonly<Record<string, number>>) =>
    Object.entries(byApplication)
      .filter(([app]) => app === fleetApp || (via !== undefined && app.startsWith(`${fleetApp} - `)))
      .reduce((sum, [, n]) => sum + n, 0)
  const sample = async (): Promise<number> => {
    const now = await db.sample()
    peakBackends = Math.max(peakBackends, ofFleet(now.byApplication))
    peakAll = Math.max(peakAll, now.total)
    if (via) await via.sample(poolerPeaks)
    return ofFleet(now.byApplication)
  }
  /** What the fleet still holds once it exited: its clients at the pooler, or its own server backends. */
  const left = async (): Promise<number> =>
    via ? via.clients() : ((await db.sample()).byApplication[fleetApp] ?? 0)
  const command =
    contestant.kind === 'tarmac' ? [process.execPath, BACKEND_MAIN] : [process.execPath, NAIVE_MAIN]
  const env = (): Record<string, string> =>
    contestant.kind === 'tarmac'
      ? {
          DATABASE_URL: databaseUrl,
          AUTH_URL: authUrl,
          HOST: '127.0.0.1',
          NODE_ENV: 'production',
          LOG_LEVEL: 'info',
          DB_FLEET_SIZE: String(instances),
          ...(via && { DB_POOLER: 'transaction' }),
        }
      : {
          DATABASE_URL: databaseUrl,
          POOL_MAX: String(contestant.poolMax ?? 1),
          CONNECT_TIMEOUT_MS: String(contestant.connectTimeoutMs ?? 90_000),
          APPLICATION_NAME: 'naive',
        }
  const startedMs = performance.now()
  const fleet = await runFleet({
    instances,
    command,
    cwd: ROOT,
    env,
    logDir,
    timeoutMs: FLEET_TIMEOUT_MS,
    pollIntervalMs: POLL_INTERVAL_MS,
    onTick: async () => void (await sample()),
  })
  const wallMs = performance.now() - startedMs
  const establishedDuringStartup = connector.stats().establishedTotal
  await fleet.stop(20_000)
  await new Promise((resolve) => setTimeout(resolve, 2_000))
  const leftBehind = await left()
  const tooManyClients = await db.tooManyClientsSinceMark()
  await connector.close()
  const result = summarise({
    scenario,
    contestant,
    instances,
    outcomes: fleet.outcomes,
    admissionLimitMs: Math.round(admissionLimitMs(scenario.connector, instances)),
    establishedDuringStartup,
    peakBackends,
    peakAll,
    tooManyClients,
    backendsLeft: leftBehind,
    wallMs: Math.round(wallMs),
    ...(via && { pooler: poolerPeaks }),
  })
  await rm(logDir, { recursive: true, force: true })
  return result
}

/**
 * Waits (up to 3 minutes) until the 1-minute load average is under 2, so a contestant does not start on the
 * tail of the previous fleet's 20–30 processes; returns the load average it started at.
 */
async function quietMachine(): Promise<number> {
  const deadline = Date.now() + 180_000
  while (loadavg()[0]! >= 2 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 5_000))
  return loadavg()[0]!
}

async function runScenario(scenario: Scenario, contestants: readonly Contestant[], instances: number) {
  console.error(`\n== ${scenario.name}: ${scenario.description}`)
  const db = await startStormDatabase(scenario)
  const results: ContestantResult[] = []
  const pooler = scenario.pooler ? await startStormPooler(scenario, db, instances) : undefined
  if (pooler)
    console.error(
      `   PgBouncer ${pooler.bouncer.port} (pgbouncer.ini from tarmac deploy render); the plan ${pooler.planFits ? 'passes' : 'FAILS'} tarmac deploy check`,
    )
  try {
    const auth = await startService(AUTH_MAIN, {
      DATABASE_URL: db.url(AUTH_DATABASE),
      NODE_ENV: 'production',
    })
    try {
      // Migrations are applied once, before the storm: a fleet of a new release meets a migrated schema.
      const migrator = await startService(BACKEND_MAIN, {
        DATABASE_URL: db.url(BACKEND_DATABASE),
        AUTH_URL: auth.url,
      })
      await migrator.stop()
      for (const contestant of contestants) {
        const loadBefore = await quietMachine()
        const result = await runContestant(scenario, contestant, db, auth.url, instances, pooler)
        results.push({ ...result, loadAverageBefore: Math.round(loadBefore * 100) / 100 })
        console.error(table([results.at(-1)!], { header: results.length === 1 }))
        await new Promise((resolve) => setTimeout(resolve, 3_000))
      }
    } finally {
      await auth.stop()
    }
  } finally {
    await pooler?.stop()
    await db.close()
  }
  // The CPU floor is measured in the same run: every result of the scenario is judged against it.
  const floor = results.find((r) => r.contestant === 'tarmac-floor')?.p95ReadyMs ?? null
  return results.map((r) => ({
    ...r,
    cpuFloorMs: floor,
    ratio:
      r.p95ReadyMs === null || floor === null
        ? null
        : Math.round((r.p95ReadyMs / Math.max(r.admissionLimitMs, floor)) * 100) / 100,
  }))
}

const scenarios = pick(SCENARIOS, args.scenarios)
/** A scenario's contestants: as named (minus the pooler-bypassing ones where there is no pooler), else its own. */
const contestantsOf = (scenario: Scenario): Contestant[] =>
  args.contestants
    ? pick(CONTESTANTS, args.contestants).filter((c) => scenario.pooler || !c.bypassPooler)
    : scenario.contestants
      ? pick(CONTESTANTS, scenario.contestants.join(','))
      : CONTESTANTS.filter((c) => !c.bypassPooler)
const bench = startRun({ bench: 'startup-storm', label: args.label, out: args.out })
const all: ContestantResult[] = []
for (const scenario of scenarios) {
  const instances = args.instances ? Number(args.instances) : scenario.instances
  all.push(...(await runScenario(scenario, contestantsOf(scenario), instances)))
}
console.log(table(all, { header: true }))
const result: StartupStormResult = { results: all }
await bench.finish(result)
