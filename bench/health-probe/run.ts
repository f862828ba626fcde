/**
 * What a readiness probe costs: a bare Fastify route, Tarmac's `/health/ready` (cached background check) and
 * @godaddy/terminus with a pg `select 1` check, hit by autocannon in alternating windows (bare, tarmac, terminus,
 * bare…) so the machine's noise hits them alike. The servers run in one child process; autocannon runs here.
 * Database work per probe comes from `pg_stat_database` (xact_commit + xact_rollback) of a database made for the
 * run, read after each window's pools are closed (a closing backend flushes its counters).
 *
 *   npx tsx --conditions=@tarmac/source bench/health-probe/run.ts [rounds] [secondsPerWindow] [connections]
 *     [--label L] [--out FILE]
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import pg from 'pg'
import { ADMIN_DATABASE_URL, createTestDatabase } from '@tarmac/testing'
import type { Command, Target } from './targets.js'
import { TARGETS } from './targets.js'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import { tables, type HealthProbeResult, type Summary } from './tables.js'

const { values, positionals } = parseArgs({ options: RUN_OPTIONS, allowPositionals: true })
const rounds = Number(positionals[0] ?? 5)
const seconds = Number(positionals[1] ?? 5)
const connections = Number(positionals[2] ?? 10)

const bench = startRun({ bench: 'health-probe', label: values.label, out: values.out })

const database = await createTestDatabase('bench_health')
const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL })
await admin.connect()

const child: ChildProcess = fork(new URL('./servers.ts', import.meta.url), {
  execArgv: ['--import', 'tsx', '--conditions=@tarmac/source'],
  env: { ...process.env, BENCH_DATABASE_URL: database.url },
})
const nextMessage = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', resolve))
const send = async (command: Command) => {
  const reply = nextMessage()
  child.send(command)
  return reply
}
await nextMessage()

/** Transactions of the bench database; polled until two reads agree, so exiting backends have flushed. */
async function transactions(): Promise<number> {
  const read = async () => {
    await admin.query('select pg_stat_clear_snapshot()')
    const { rows } = await admin.query<{ n: string }>(
      'select xact_commit + xact_rollback as n from pg_stat_database where datname = $1',
      [database.name],
    )
    return Number(rows[0]!.n)
  }
  let previous = await read()
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300))
    const current = await read()
    if (current === previous) return current
    previous = current
  }
}

interface Window {
  round?: number
  target: Target
  requests: number
  requestsPerSecond: number
  non2xx: number
  errors: number
  latencyP99Ms: number
  /** The server process's CPU time (user + system) per request: steadier than req/s on a shared machine. */
  serverCpuMicrosPerRequest: number
  transactions: number
}

async function window(target: Target, durationSeconds: number): Promise<Window> {
  const before = await transactions()
  const { port } = (await send({ cmd: 'start', target })) as { port: number }
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/health/ready`,
    connections,
    duration: durationSeconds,
  })
  const { cpuMicros } = (await send({ cmd: 'stop' })) as { cpuMicros: number }
  const after = await transactions()
  return {
    target,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors,
    latencyP99Ms: result.latency.p99,
    serverCpuMicrosPerRequest: Math.round((cpuMicros / result.requests.total) * 10) / 10,
    transactions: after - before,
  }
}

for (const target of TARGETS) await window(target, 2) // warm-up, not counted
const windows: Window[] = []
for (let round = 0; round < rounds; round++)
  // The order rotates each round, so no target always runs right after a particular other one.
  for (const target of TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]!)) {
    const measured = await window(target, seconds)
    windows.push(measured)
    measured.round = round
    console.log(
      `round ${round + 1} ${target.padEnd(8)} ${Math.round(measured.requestsPerSecond)} req/s, ` +
        `${measured.serverCpuMicrosPerRequest} µs server CPU/request, ` +
        `${measured.transactions} db transactions, non-2xx ${measured.non2xx}`,
    )
  }

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const summary = {} as Record<Target, Summary>
for (const target of TARGETS) {
  const mine = windows.filter((w) => w.target === target)
  const requests = mine.reduce((sum, w) => sum + w.requests, 0)
  const transactionsTotal = mine.reduce((sum, w) => sum + w.transactions, 0)
  summary[target] = {
    medianRequestsPerSecond: Math.round(median(mine.map((w) => w.requestsPerSecond))),
    medianLatencyP99Ms: median(mine.map((w) => w.latencyP99Ms)),
    medianServerCpuMicrosPerRequest: median(mine.map((w) => w.serverCpuMicrosPerRequest)),
    requests,
    non2xx: mine.reduce((sum, w) => sum + w.non2xx, 0),
    dbTransactions: transactionsTotal,
    dbTransactionsPer1000Probes: Math.round((transactionsTotal / requests) * 1000 * 1000) / 1000,
  }
}
/** Each round's ratio to the bare route of the same round, then the median: the machine's drift cancels out. */
const ratioTo = (target: Target) => {
  const perRound = Array.from({ length: rounds }, (_, round) => {
    const of = (t: Target) => windows.find((w) => w.round === round && w.target === t)!.requestsPerSecond
    return of(target) / of('bare')
  })
  return Math.round(median(perRound) * 1000) / 1000
}
const cpu = (target: Target) => summary[target].medianServerCpuMicrosPerRequest
const ratios = {
  /** Requests one core could serve, relative to the bare route: bare CPU per request ÷ this CPU per request. */
  tarmacToBareByServerCpu: Math.round((cpu('bare') / cpu('tarmac')) * 1000) / 1000,
  terminusToBareByServerCpu: Math.round((cpu('bare') / cpu('terminus')) * 1000) / 1000,
  tarmacToBareMedianOfRounds: ratioTo('tarmac'),
  terminusToBareMedianOfRounds: ratioTo('terminus'),
  tarmacToBareOfMedians:
    Math.round((summary.tarmac.medianRequestsPerSecond / summary.bare.medianRequestsPerSecond) * 1000) / 1000,
  terminusToBareOfMedians:
    Math.round((summary.terminus.medianRequestsPerSecond / summary.bare.medianRequestsPerSecond) * 1000) /
    1000,
}
const result: HealthProbeResult = {
  settings: { rounds, secondsPerWindow: seconds, connections },
  summary,
  ratios,
  windows,
}
console.log(tables.summary([await bench.finish(result)]))

child.kill()
await admin.end()
await database.drop()
