/**
 * Cold start, one process at a time: spawn → listening and spawn → ready for each service, beside a bare
 * Fastify hello-world's spawn → listening (the floor: what Node and an HTTP framework cost before any code of
 * ours runs), all interleaved in one run so the machine's noise hits them alike; plus the embedded Postgres
 * that `tarmac up` starts, cold (a new data directory) and warm.
 *
 *   npm run build && npx tsx --conditions=@tarmac/source bench/cold-start/run.ts [--runs 10] [--only backend,…]
 *     [--node /path/to/node] [--variant backend=/other/build/services/backend/dist/main.js] [--label node20]
 *     [--out results.json]
 *
 * `--node` runs every contestant on another Node (the bench itself stays on this one); the results record both.
 * Services run from dist/ on the local PostgreSQL (127.0.0.1:5432), each on a database of its own, already
 * migrated; the backend's auth is one auth process started beforehand.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createTestDatabase, getFreePort } from '@tarmac/testing'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import { measureColdStart, type ColdStart } from './measure.js'
import { stepsOf, type StepSample } from './steps.js'
import { tables, type ColdStartResult, type ColdStartRow, type StepRow } from './tables.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const HERE = fileURLToPath(new URL('.', import.meta.url))

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    only: { type: 'string' },
    node: { type: 'string', default: process.execPath },
    // Another build of a service beside ours, same environment: `--variant backend=/old/services/backend/dist/main.js`.
    variant: { type: 'string', multiple: true, default: [] },
    ...RUN_OPTIONS,
  },
})
const runs = Number(values.runs)
const node = values.node

interface Contestant {
  readonly name: string
  readonly command: readonly string[]
  readonly cwd: string
  readonly env: Record<string, string>
  /** null: listening is ready (the floor, Postgres). */
  readonly readyPath: string | null
  /** Before each run (a new data directory for the cold embedded Postgres). */
  readonly before?: () => Promise<Record<string, string> | void>
}

const quiet = { HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production' }

async function main() {
  const bench = startRun({ bench: 'cold-start', label: values.label, out: values.out })
  const backendDb = await createTestDatabase('cold_start_backend')
  const authDb = await createTestDatabase('cold_start_auth')
  const scratch = await mkdtemp(join(tmpdir(), 'tarmac-cold-start-'))
  const warmDir = join(scratch, 'warm')
  const helpers: (() => Promise<void>)[] = []
  try {
    // One auth for the backend's JWKS; its first start also migrates auth's database.
    const authPort = await getFreePort()
    const auth = await startAndKeep(
      [node, join(ROOT, 'services/auth/dist/main.js')],
      join(ROOT, 'services/auth'),
      { ...quiet, DATABASE_URL: authDb.url },
      authPort,
    )
    helpers.push(auth)
    const authUrl = `http://127.0.0.1:${authPort}`
    // Migrate the backend's database and initialise the warm embedded data directory once, unmeasured.
    const migrate = await startAndKeep(
      [node, join(ROOT, 'services/backend/dist/main.js')],
      join(ROOT, 'services/backend'),
      { ...quiet, DATABASE_URL: backendDb.url, AUTH_URL: authUrl },
      await getFreePort(),
    )
    await migrate()
    const warmInit = await startAndKeep(
      [node, join(HERE, 'embedded-postgres.mjs'), warmDir],
      HERE,
      {},
      await getFreePort(),
      null,
    )
    await warmInit()

    const contestants: Contestant[] = [
      {
        name: 'floor (bare Fastify)',
        command: [node, join(HERE, 'hello-fastify.mjs')],
        cwd: HERE,
        env: {},
        readyPath: null,
      },
      {
        name: 'backend',
        command: [node, join(ROOT, 'services/backend/dist/main.js')],
        cwd: join(ROOT, 'services/backend'),
        env: { ...quiet, DATABASE_URL: backendDb.url, AUTH_URL: authUrl },
        readyPath: '/health/ready',
      },
      {
        name: 'auth',
        command: [node, join(ROOT, 'services/auth/dist/main.js')],
        cwd: join(ROOT, 'services/auth'),
        env: { ...quiet, DATABASE_URL: authDb.url },
        readyPath: '/health/ready',
      },
      {
        name: 'frontend',
        command: [node, join(ROOT, 'services/frontend/dist/main.js')],
        cwd: join(ROOT, 'services/frontend'),
        env: { ...quiet, AUTH_URL: authUrl, BACKEND_URL: 'http://127.0.0.1:1' },
        readyPath: '/health/ready',
      },
      {
        name: 'embedded Postgres, cold',
        command: [node, join(HERE, 'embedded-postgres.mjs'), join(scratch, 'cold')],
        cwd: HERE,
        env: {},
        readyPath: null,
        before: () => rm(join(scratch, 'cold'), { recursive: true, force: true }),
      },
      {
        name: 'embedded Postgres, warm',
        command: [node, join(HERE, 'embedded-postgres.mjs'), warmDir],
        cwd: HERE,
        env: {},
        readyPath: null,
      },
    ]
      .flatMap((c) => [c, ...variantsOf(c)])
      .filter((c) => !values.only || values.only.split(',').some((name) => c.name.startsWith(name)))

    const samples = new Map<string, ColdStart[]>(contestants.map((c) => [c.name, []]))
    for (let run = 1; run <= runs; run++) {
      for (const contestant of contestants) {
        await contestant.before?.()
        const result = await measureColdStart({
          command: contestant.command,
          cwd: contestant.cwd,
          env: contestant.env,
          port: await getFreePort(),
          readyPath: contestant.readyPath,
          reportPath: contestant.readyPath && '/health/startup',
          timeoutMs: 60_000,
          pollMs: 5,
        })
        if (result.readyMs === null)
          throw new Error(`${contestant.name} did not become ready: exit ${result.exit}: ${result.stderr}`)
        samples.get(contestant.name)!.push(result)
      }
      process.stderr.write(`run ${run}/${runs} done\n`)
    }
    const rows = contestants.map((c) => summarise(c.name, samples.get(c.name)!))
    const floor = rows[0]!
    const result: ColdStartResult = {
      node: execFileSync(node, ['--version']).toString().trim(),
      runs,
      rows: rows.map((row) => ({
        ...row,
        readyOverFloorListening: +(row.readyMs.median / floor.listeningMs.median).toFixed(2),
        cpuOverFloor:
          row.cpuMs.median && floor.cpuMs.median ? +(row.cpuMs.median / floor.cpuMs.median).toFixed(2) : null,
      })),
    }
    process.stdout.write(`${tables.ready([await bench.finish(result)])}\n`)
  } finally {
    for (const stop of helpers.reverse()) await stop()
    await rm(scratch, { recursive: true, force: true })
    await backendDb.drop()
    await authDb.drop()
  }
}

/** `--variant <service>=<main.js>`: the same contestant on another build, named `<service> (<its folder>)`. */
function variantsOf(contestant: Contestant): Contestant[] {
  return values.variant.flatMap((spec) => {
    const [service, main] = [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)]
    if (service !== contestant.name) return []
    const serviceDir = dirname(dirname(resolve(main)))
    return [
      {
        ...contestant,
        name: `${service} (${relative(ROOT, serviceDir) || serviceDir})`,
        command: [node, resolve(main)],
        cwd: serviceDir,
      },
    ]
  })
}

/** Starts a process, waits until it is ready, and returns the function that stops it. */
async function startAndKeep(
  command: readonly string[],
  cwd: string,
  env: Record<string, string>,
  port: number,
  readyPath: string | null = '/health/ready',
): Promise<() => Promise<void>> {
  const child = spawn(command[0]!, command.slice(1), {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited ${child.exitCode}`)
    if (Date.now() > deadline) throw new Error(`${command.join(' ')} was not ready within 60 s`)
    const ok = await fetch(`http://127.0.0.1:${port}${readyPath ?? '/'}`)
      .then((r) => readyPath === null || r.ok)
      .catch(
        (error: { cause?: { code?: string } }) => readyPath === null && error.cause?.code !== 'ECONNREFUSED',
      )
    if (ok) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return async () => {
    child.kill('SIGTERM')
    await exited
  }
}

const statOf = (values: number[]): ColdStartRow['readyMs'] => {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { median: at(0.5), p90: at(0.9), min: sorted[0]! }
}

function summarise(
  name: string,
  samples: ColdStart[],
): Omit<ColdStartRow, 'readyOverFloorListening' | 'cpuOverFloor'> {
  return {
    name,
    listeningMs: statOf(samples.map((s) => s.listeningMs!)),
    readyMs: statOf(samples.map((s) => s.readyMs!)),
    cpuMs: statOf(samples.map((s) => s.cpuMs ?? Number.NaN)),
    cpuAtListeningMs: statOf(samples.map((s) => s.cpuAtListeningMs ?? Number.NaN)),
    ...stepsOfAll(samples),
  }
}

/** Each step's median over the samples, in the order of the first sample's report (none without reports). */
function stepsOfAll(samples: ColdStart[]): { steps?: StepRow[] } {
  const perSample = samples.map(stepsOf).filter((steps): steps is StepSample[] => steps !== null)
  if (perSample.length === 0) return {}
  return {
    steps: perSample[0]!.map(({ step, depth }) => ({
      step,
      depth,
      ms: statOf(perSample.map((steps) => steps.find((s) => s.step === step)?.ms ?? Number.NaN)),
    })),
  }
}

await main()
