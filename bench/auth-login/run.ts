// services/auth: time to ready (local PostgreSQL 15 and the embedded server, cold and warm) and login latency
// and throughput with autocannon, argon2id cost included (m=19 MiB, t=2, p=1).
// Run: npx tsx --conditions=@tarmac/source bench/auth-login/run.ts [startSamples] [loadSeconds]
// The service runs from its TypeScript sources through tsx (AUTH_ENTRY=source, the default) or, after
// `npm run build`, as production does: `node services/auth/dist/main.js` (AUTH_ENTRY=dist).
// Writes bench/auth-login/results.<entry>.md and results.<entry>.json next to this file.
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { createTestDatabase, getFreePort } from '@tarmac/testing'
import { PASSWORD_KDF } from '@tarmac/auth'

const startSamples = Number(process.argv[2] ?? 5)
const loadSeconds = Number(process.argv[3] ?? 15)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ENTRY = process.env.AUTH_ENTRY === 'dist' ? 'dist' : 'source'
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
const round = (n: number) => Math.round(n)

interface StartSeries {
  target: string
  samples: { wallMs: number; engineMs: number; phasesMs: Record<string, number> }[]
}

async function series(target: string, n: number, envFor: (i: number) => Promise<Record<string, string>>) {
  const result: StartSeries = { target, samples: [] }
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

const loadBefore = os
  .loadavg()
  .map((n) => n.toFixed(1))
  .join(' ')

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
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`
const lines = [
  `# auth-login results (${ENTRY})`,
  '',
  `${new Date().toISOString()} — ${machine}; UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}; load average before the run ${loadBefore}, after ${os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')} (the machine is shared: other work ran alongside).`,
  `KDF: ${PASSWORD_KDF.algorithm}, m=${PASSWORD_KDF.memoryCostKib} KiB, t=${PASSWORD_KDF.timeCost}, p=${PASSWORD_KDF.parallelism}, ${PASSWORD_KDF.outputLengthBytes}-byte hash, ${PASSWORD_KDF.saltLengthBytes}-byte salt.`,
  '',
  `Command: \`${ENTRY === 'dist' ? 'npm run build && AUTH_ENTRY=dist ' : ''}npx tsx --conditions=@tarmac/source bench/auth-login/run.ts ${startSamples} ${loadSeconds}\``,
  '',
  `Entry: \`node ${ARGS.map((a) => a.replace(ROOT, '')).join(' ')}\`.`,
  '',
  '## Time to ready',
  '',
  '`wall` is spawn → first 200 from `/health/ready` (loading node, tsx and the TypeScript sources included);',
  "`engine` is the startup engine's own duration (all four phases). Medians; every sample in the .json beside this file.",
  '',
  '| target | samples | wall ms | engine ms | init | database | keys | http |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...starts.map((s) => {
    const phase = (name: string) => round(median(s.samples.map((x) => x.phasesMs[name] ?? NaN)))
    return `| ${s.target} | ${s.samples.length} | ${median(s.samples.map((x) => x.wallMs))} | ${median(s.samples.map((x) => x.engineMs))} | ${phase('init')} | ${phase('database')} | ${phase('keys')} | ${phase('http')} |`
  }),
  '',
  `## Login under load (${loadSeconds} s each, local PostgreSQL 15)`,
  '',
  '| load | req/s | p50 ms | p90 ms | p99 ms | max ms | requests | non-2xx | errors |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...loads.map(
    (l) =>
      `| ${l.title} | ${l.requestsPerSecond} | ${l.latencyMs.p50} | ${l.latencyMs.p90} | ${l.latencyMs.p99} | ${l.latencyMs.max} | ${l.requests} | ${l.non2xx} | ${l.errors + l.timeouts} |`,
  ),
  '',
]
const here = fileURLToPath(new URL('.', import.meta.url))
writeFileSync(join(here, `results.${ENTRY}.md`), lines.join('\n'))
writeFileSync(
  join(here, `results.${ENTRY}.json`),
  `${JSON.stringify({ entry: ENTRY, machine, kdf: PASSWORD_KDF, starts, loads }, null, 2)}\n`,
)
console.log(lines.join('\n'))
