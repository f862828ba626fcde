// Time to first Postgres connection, with the per-phase breakdown from @tarmac/postgres `connect`:
// local Postgres 15, the embedded server with a cold data dir (first start initialises it) and with a
// warm one. Also counts server backends left behind by timed-out connects through a 1 s establishment
// delay: @tarmac/postgres `connect` vs plain node-postgres (node-postgres #3543).
// Run: npx tsx --conditions=@tarmac/source bench/postgres-connect/run.ts [samples] [--label L] [--out FILE]
// Writes the run into bench/postgres-connect/results.json (or --out) under its label.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createConnector } from '@tarmac/connector'
import { connect, startEmbeddedPostgres, type PostgresConnectTimings } from '@tarmac/postgres'
import { createTestDatabase } from '@tarmac/testing'
import pg from 'pg'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import { PHASES, tables, type PostgresConnectResult, type Row } from './tables.js'

const { values, positionals } = parseArgs({ options: RUN_OPTIONS, allowPositionals: true })
const samples = Number(positionals[0] ?? 20)
const bench = startRun({ bench: 'postgres-connect', label: values.label, out: values.out })

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? 0
}
const round = (n: number): number => Math.round(n * 10) / 10

function summarise(timings: readonly PostgresConnectTimings[]): { p50: Row; p95: Row } {
  const pick = (p: number) =>
    Object.fromEntries(
      PHASES.map((k) => [
        k,
        round(
          percentile(
            timings.map((t) => t[k]),
            p,
          ),
        ),
      ]),
    ) as Row
  return { p50: pick(50), p95: pick(95) }
}

async function timedConnects(url: string, n: number): Promise<PostgresConnectTimings[]> {
  const all: PostgresConnectTimings[] = []
  for (let i = 0; i < n; i++) {
    const { client, timings } = await connect(url, { applicationName: 'bench_postgres_connect' })
    all.push(timings)
    await client.end()
  }
  return all
}

// 1. Local Postgres 15.
const db = await createTestDatabase('bench_pg_connect')
const local = summarise(await timedConnects(db.url, samples))

// 2. Embedded: cold (new data dir) then warm (same data dir, restarted), start time + first connect.
const folder = await mkdtemp(join(os.tmpdir(), 'tarmac-bench-embedded-'))
let embeddedWarmConnects: { p50: Row; p95: Row }
const embeddedRuns: {
  kind: string
  startMs: number
  first: PostgresConnectTimings
  toFirstQueryMs: number
}[] = []
try {
  for (const kind of ['cold', 'warm', 'warm', 'warm']) {
    const startedMs = performance.now()
    const embedded = await startEmbeddedPostgres({ dataDir: join(folder, 'pgdata') })
    const startMs = performance.now() - startedMs
    const { client, timings } = await connect(embedded.url, { applicationName: 'bench' })
    embeddedRuns.push({
      kind,
      startMs: round(startMs),
      first: timings,
      toFirstQueryMs: round(performance.now() - startedMs),
    })
    await client.end()
    await embedded.close()
  }
  embeddedWarmConnects = await (async () => {
    const embedded = await startEmbeddedPostgres({ dataDir: join(folder, 'pgdata') })
    try {
      return summarise(await timedConnects(embedded.url, samples))
    } finally {
      await embedded.close()
    }
  })()
} finally {
  await rm(folder, { recursive: true, force: true })
}

// 3. Leaks: 20 timed-out connects each through a connector with a 1 s establishment delay, 500 ms timeout.
const upstream = new URL(db.url)
const connector = createConnector({
  upstream: { host: upstream.hostname, port: Number(upstream.port) },
  establishDelayMs: 1000,
})
await connector.listen()
const proxied = connector.address.url(db.url)
const attempts = 20
async function backendsOf(app: string): Promise<number> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    const { rows } = await client.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where application_name = $1 and datname = $2',
      [app, db.name],
    )
    return rows[0]?.n ?? -1
  } finally {
    await client.end()
  }
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const strategies: Record<string, (app: string) => Promise<unknown>> = {
  '@tarmac/postgres connect({ timeoutMs: 500 })': (app) =>
    connect(proxied, { applicationName: app, timeoutMs: 500 }),
  'pg.Client connectionTimeoutMillis: 500': (app) =>
    new pg.Client({
      connectionString: proxied,
      application_name: app,
      connectionTimeoutMillis: 500,
    }).connect(),
  'pg.Client + Promise.race 500 ms (abandoned)': (app) => {
    const client = new pg.Client({ connectionString: proxied, application_name: app })
    client.on('error', () => undefined)
    return Promise.race([client.connect(), sleep(500).then(() => Promise.reject(new Error('timeout')))])
  },
}
const leaks: { strategy: string; before: number; failed: number; afterMs: number; after: number }[] = []
let index = 0
for (const [strategy, attempt] of Object.entries(strategies)) {
  const app = `bench_leak_${index++}`
  const before = await backendsOf(app)
  const results = await Promise.allSettled(Array.from({ length: attempts }, () => attempt(app)))
  await sleep(2500)
  leaks.push({
    strategy,
    before,
    failed: results.filter((r) => r.status === 'rejected').length,
    afterMs: 2500,
    after: await backendsOf(app),
  })
}
await connector.close()
await db.drop()

const result: PostgresConnectResult = {
  samples,
  local,
  embeddedRuns,
  embeddedWarmConnects,
  leakAttempts: attempts,
  leaks,
}
const run = await bench.finish(result)
console.log(
  ['local', 'embedded', 'leaks'].map((name) => tables[name as keyof typeof tables]([run])).join('\n\n'),
)
