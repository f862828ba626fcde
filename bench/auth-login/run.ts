// services/auth: time to ready (local PostgreSQL 15 and the embedded server, cold and warm) and login latency
// and throughput with autocannon, argon2id cost included (m=19 MiB, t=2, p=1).
// Run: npx tsx --conditions=@tarmac/source bench/auth-login/run.ts [startSamples] [loadSeconds] [--entry source|dist]
//        [--label L] [--out FILE]
// The service runs from its TypeScript sources through tsx (`--entry source`, the default) or, after
// `npm run build`, as production does: `node services/auth/dist/main.js` (`--entry dist`).
// Writes the run into bench/auth-login/results.json (or --out) under its label.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createTestDatabase, getFreePort } from '@tarmac/testing'
import { PASSWORD_KDF } from '@tarmac/auth'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import { tables, type AuthLoginResult, type StartSeries } from './tables.js'

const { values, positionals } = parseArgs({
  options: { entry: { type: 'string', default: 'source' }, ...RUN_OPTIONS },
  allowPositionals: true,
})
if (values.entry !== 'source' && values.entry !== 'dist')
  throw new Error(`--entry ${values.entry}: source or dist`)
if (process.env.AUTH_ENTRY)
  throw new Error('AUTH_ENTRY is gone: say --entry dist (it is recorded with the run)')
const startSamples = Number(positionals[0] ?? 5)
const loadSeconds = Number(positionals[1] ?? 15)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ENTRY: 'source' | 'dist' = values.entry
const ARGS =
  ENTRY === 'dist'
    ? [join(ROOT, 'services/auth/dist/main.js')]
    : ['--conditions=@tarmac/source', '--import', 'tsx', join(ROOT, 'services/auth/src/main.ts')]

interface Started {
  child: ChildProcess
  port: number
  /** Spawn → first 200 from /health/ready (includes loading node, tsx and the modules). */
  wallMs: number
  /** The startup engine's own duration (startup.completed), phases included. */
  engineMs: number
  phasesMs: Record<string, number>
}

async function start(env: Record<string, string>): Promise<Started> {
  const port = await getFreePort()
  const startedAt = performance.now()
  const child = spawn(process.execPath, ARGS, {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      RATE_LIMIT_PER_IP: '100000000',
      RATE_LIMIT_PER_ACCOUNT: '100000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let engineMs = NaN
  const phasesMs: Record<string, number> = {}
  let buffer = ''
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    let newline: number
    while ((newline = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      if (!line.includes('"event"')) continue
      const { event } = JSON.parse(line) as { event: { type: string; phase?: string; durationMs?: number } }
      if (event.type === 'phase.completed' && event.phase) phasesMs[event.phase] = event.durationMs ?? NaN
      if (event.type === 'startup.completed') engineMs = event.durationMs ?? NaN
    }
  })
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${port}/health/ready`)
      .then((response) => response.status)
      .catch(() => 0)
    if (status === 200) break
    if (child.exitCode !== null) throw new Error(`auth exited with ${child.exitCode}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const wallMs = performance.now() - startedAt
  return {
    child,
    port,
    wallMs,
    get engineMs() {
      return engineMs
    },
    phasesMs,
  }
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

const round = (n: number) => Math.round(n)

async function series(target: string, n: number, envFor: (i: number) => Promise<Record<string, string>>) {
  const result: { target: string; samples: StartSeries['samples'][number][] } = { target, samples: [] }
  for (let i = 0; i < n; i++) {
    const started = await start(await envFor(i))
    await stop(started.child) // the log lines are all read once it has exited
    result.samples.push({
      wallMs: round(started.wallMs),
      engineMs: round(started.engineMs),
      phasesMs: started.phasesMs,
    })
  }
  return result
}

const bench = startRun({
  bench: 'auth-login',
  label: values.label,
  out: values.out,
  environment: ['UV_THREADPOOL_SIZE'],
})

// 1. Time to ready.
const db = await createTestDatabase('bench_auth')
const folder = await mkdtemp(join(os.tmpdir(), 'tarmac-bench-auth-'))
const starts: StartSeries[] = []
// The first start on a fresh database runs the migrations and creates the signing key; later ones do not.
starts.push(
  await series('local PostgreSQL 15, first start (migrations + key)', 1, async () => ({
    DATABASE_URL: db.url,
  })),
)
starts.push(
  await series('local PostgreSQL 15, restart', startSamples, async () => ({ DATABASE_URL: db.url })),
)
starts.push(
  await series('embedded, cold data dir', Math.min(startSamples, 3), async (i) => ({
    TARMAC_DATA_DIR: join(folder, `cold-${i}`),
  })),
)
starts.push(
  await series('embedded, warm data dir', startSamples, async () => ({
    TARMAC_DATA_DIR: join(folder, 'cold-0'),
  })),
)

// 2. Login under load, against local Postgres.
const service = await start({ DATABASE_URL: db.url })
const base = `http://127.0.0.1:${service.port}`
const account = { email: 'bench@example.com', password: 'correct horse battery staple', displayName: 'Bench' }
const signup = await fetch(`${base}/auth/signup`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(account),
})
if (signup.status !== 201) throw new Error(`signup answered ${signup.status}`)

async function load(title: string, body: object, connections: number) {
  const result = await autocannon({
    url: `${base}/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    connections,
    duration: loadSeconds,
  })
  return {
    title,
    connections,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average * 10) / 10,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}
const loads = [
  await load('valid login, 1 connection', { email: account.email, password: account.password }, 1),
  await load('valid login, 10 connections', { email: account.email, password: account.password }, 10),
  // Both 401s: an unknown user costs a dummy hash, so the two must not be told apart by their latency.
  await load(
    'wrong password, 10 connections (401)',
    { email: account.email, password: 'not the password' },
    10,
  ),
  await load(
    'unknown user, 10 connections (401, dummy hash)',
    { email: 'nobody@example.com', password: account.password },
    10,
  ),
]
await stop(service.child)
await db.drop()
await rm(folder, { recursive: true, force: true })

// 3. Report.
const result: AuthLoginResult = {
  entry: ENTRY,
  entryCommand: `node ${ARGS.map((a) => a.replace(ROOT, '')).join(' ')}`,
  uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
  kdf: PASSWORD_KDF,
  loadSeconds,
  starts,
  loads,
}
const run = await bench.finish(result)
console.log(tables.summary([run]))
