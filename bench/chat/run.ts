/**
 * Chat under load: N WebSocket clients on ONE backend (the production bundle, dist/main.js) with the local,
 * offline, deterministic assistant, each client its own user with its own thread, on a fresh database on the
 * local PostgreSQL. This process is the load generator and the JWKS the backend verifies tokens with.
 *
 *   npm run build
 *   npx tsx --conditions=@tarmac/source bench/chat/run.ts --mode closed --clients 1000 --messages 5
 *   npx tsx --conditions=@tarmac/source bench/chat/run.ts --mode open --clients 1000 --rate 300 --duration-s 30
 *   npx tsx --conditions=@tarmac/source bench/chat/run.ts --mode sweep --clients 1000 --rates 100,200,300,500,800
 *   … --cpu-prof /tmp/chat-prof   (the backend writes a .cpuprofile there when it stops)
 *   … --backend-node-args=--max-semi-space-size=32   (Node flags for the backend process)
 *
 * Closed loop measures throughput (messages/s), then the same run's insert ceiling (`insert-ceiling.ts`: the same
 * closed loop straight through `pg`, two inserts per message) and Tarmac's share of it; open loop measures latency at an offered rate, from each
 * message's due time (after --warmup-s unmeasured seconds at the first rate); sweep runs the open loop at rising rates and reports the highest one the backend
 * sustains (every message answered, no error, run completion p99 within --slo-ms). Each measured phase reports
 * where the CPU went (backend, this generator, every postgres process; % of one core; 2 cores = 200 %).
 * Writes the run into results.json under `--label` (default: the start time); `--out FILE` writes elsewhere.
 */
import { parseArgs } from 'node:util'
import pg from 'pg'
import { createTestDatabase } from '@tarmac/testing'
import { closedLoop } from './closed-loop.js'
import {
  connectClients,
  percentile,
  problemsOf,
  rssMb,
  startBackend,
  startJwks,
  type MessageTiming,
} from './harness.js'
import { countCpu } from './cpu-shares.js'
import { insertCeiling } from './insert-ceiling.js'
import { openLoop } from './open-loop.js'
import { tables, type ChatResult } from './tables.js'
import { RUN_OPTIONS, startRun } from '../provenance.js'

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'closed' },
    clients: { type: 'string', default: '100' },
    messages: { type: 'string', default: '10' },
    'pause-ms': { type: 'string', default: '150' },
    rate: { type: 'string', default: '300' },
    rates: { type: 'string', default: '100,200,300,500,800,1200' },
    'duration-s': { type: 'string', default: '30' },
    'slo-ms': { type: 'string', default: '500' },
    'warmup-s': { type: 'string', default: '5' },
    'connect-batch': { type: 'string', default: '100' },
    'pool-max': { type: 'string', default: '10' },
    'cpu-prof': { type: 'string' },
    'backend-node-args': { type: 'string', default: '' },
    from: { type: 'string', default: 'dist' },
    'backend-dist': { type: 'string', default: 'services/backend/dist' },
    text: { type: 'string', default: 'hello, what can you tell me?' },
    ...RUN_OPTIONS,
  },
})
const mode = args.mode as 'closed' | 'open' | 'sweep'
const clientsWanted = Number(args.clients)

function latencies(timings: readonly MessageTiming[]) {
  const acked = timings.filter((t) => t.ackMs !== undefined).map((t) => t.ackMs! - t.dueMs)
  const completed = timings
    .filter((t) => t.completedMs !== undefined && !t.failed)
    .map((t) => t.completedMs! - t.dueMs)
  return {
    sent: timings.length,
    acked: acked.length,
    completed: completed.length,
    failed: timings.filter((t) => t.failed).length,
    ackMs: { p50: percentile(acked, 50), p99: percentile(acked, 99), max: percentile(acked, 100) },
    runCompletionMs: {
      p50: percentile(completed, 50),
      p99: percentile(completed, 99),
      max: percentile(completed, 100),
    },
  }
}

/**
 * The same run's insert ceiling (`insertCeiling`), right after the Tarmac phase on the same database, threads,
 * pool size, closed loop and message count, with a reply the backend stored.
 */
async function measureCeiling(databaseUrl: string, backendPid: number, threadIds: readonly string[]) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const { rows } = await client
    .query<{ text: string; metadata: string }>(
      `select text, metadata::text as metadata from chat_messages where role = 'assistant' limit 1`,
    )
    .finally(() => client.end())
  if (!rows[0]) throw new Error('the backend stored no reply: no ceiling to measure against')
  const cpu = countCpu(backendPid)
  const { completed, durationMs } = await insertCeiling(databaseUrl, {
    threadIds,
    messages: Number(args.messages),
    pauseMs: Number(args['pause-ms']),
    poolMax: Number(args['pool-max']),
    text: args.text,
    reply: rows[0],
  })
  const messagesPerSecond = Math.round((completed / durationMs) * 1000 * 10) / 10
  process.stderr.write(`insert ceiling: ${messagesPerSecond} messages/s\n`)
  return { statementsPerMessage: 2, completed, messagesPerSecond, cpu: cpu() }
}

async function main(): Promise<void> {
  const bench = startRun({ bench: 'chat', label: args.label, out: args.out })
  const db = await createTestDatabase('bench_chat')
  const jwks = await startJwks()
  const backend = await startBackend({
    from: args.from as 'dist' | 'source',
    distDir: args['backend-dist'],
    env: { DATABASE_URL: db.url, AUTH_URL: jwks.url, DB_POOL_MAX: args['pool-max'] },
    nodeArgs: [
      ...args['backend-node-args'].split(' ').filter(Boolean),
      ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : []),
    ],
  })
  try {
    const pid = backend.process.pid!
    const idleRssMb = rssMb(pid)
    let peakRssMb = idleRssMb
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb(pid))), 100)
    const clients = await connectClients(
      backend.port,
      jwks.mint,
      clientsWanted,
      Number(args['connect-batch']),
    )
    const connectMs = clients.map((c) => c.connectMs)
    const base = {
      mode,
      from: args.from,
      ...(args['backend-dist'] !== 'services/backend/dist' && { backendDist: args['backend-dist'] }),
      clients: clients.length,
      poolMax: Number(args['pool-max']),
      connectMs: { p50: percentile(connectMs, 50), p99: percentile(connectMs, 99) },
    }
    let measured: Record<string, unknown>
    if (mode === 'closed') {
      const cpu = countCpu(pid)
      const { timings, durationMs } = await closedLoop(clients, {
        messages: Number(args.messages),
        pauseMs: Number(args['pause-ms']),
        text: args.text,
      })
      const summary = latencies(timings)
      const tarmacCpu = cpu()
      const messagesPerSecond = Math.round((summary.completed / durationMs) * 1000 * 10) / 10
      const ceiling = await measureCeiling(
        db.url,
        pid,
        clients.map((client) => client.threadId),
      )
      const shareOfCeiling = Math.round((messagesPerSecond / ceiling.messagesPerSecond) * 100) / 100
      measured = {
        messagesPerClient: Number(args.messages),
        pauseMs: Number(args['pause-ms']),
        ...summary,
        messagesPerSecond,
        cpu: tarmacCpu,
        ceiling,
        shareOfCeiling,
      }
      process.stderr.write(`Tarmac: ${messagesPerSecond} messages/s = ${shareOfCeiling} × the ceiling\n`)
    } else {
      const rates = mode === 'open' ? [Number(args.rate)] : args.rates.split(',').map(Number)
      const sloMs = Number(args['slo-ms'])
      // Unmeasured: the JIT, the pool and the sockets' buffers warm up at the first rate.
      await openLoop(clients, {
        ratePerSecond: rates[0]!,
        durationMs: Number(args['warmup-s']) * 1000,
        drainMs: 10_000,
        text: args.text,
      })
      const steps = []
      for (const ratePerSecond of rates) {
        const cpu = countCpu(pid)
        const { timings, sendLagMs } = await openLoop(clients, {
          ratePerSecond,
          durationMs: Number(args['duration-s']) * 1000,
          drainMs: 10_000,
          text: args.text,
        })
        const summary = latencies(timings)
        const sustained =
          summary.completed === summary.sent && summary.failed === 0 && summary.runCompletionMs.p99 <= sloMs
        steps.push({
          offeredPerSecond: ratePerSecond,
          ...summary,
          generatorLagMsP99: percentile(sendLagMs, 99),
          cpu: cpu(),
          sustained,
        })
        process.stderr.write(
          `rate ${ratePerSecond}/s: ack p99 ${summary.ackMs.p99} ms, run p99 ${summary.runCompletionMs.p99} ms, ${summary.completed}/${summary.sent} answered${sustained ? '' : ' — not sustained'}\n`,
        )
        if (!sustained && mode === 'sweep') break
        await new Promise((resolve) => setTimeout(resolve, 2_000)) // let the backlog settle between steps
      }
      measured = {
        durationSPerStep: Number(args['duration-s']),
        sloRunCompletionP99Ms: sloMs,
        steps,
        maxSustainedPerSecond: Math.max(
          0,
          ...steps.filter((s) => s.sustained).map((s) => s.offeredPerSecond),
        ),
      }
    }
    clearInterval(sampler)
    for (const client of clients) client.socket.close()
    const result = {
      ...base,
      ...measured,
      backendRssMb: { idle: idleRssMb, peak: peakRssMb },
      ...problemsOf(clients),
    } as ChatResult
    const run = await bench.finish(result)
    console.log(mode === 'sweep' ? tables.sweep([run]) : tables.runs([run]))
  } finally {
    await backend.stop()
    jwks.close()
    await db.drop()
  }
}

await main()
