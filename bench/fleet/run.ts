/**
 * The fleet, chat half: 3 backends (separate processes) sharing Redis (a redis-server of the bench's own) and a
 * fresh database on the local PostgreSQL; N WebSocket clients, each its own user and thread, spread over the
 * backends and sending open-loop; one backend SIGKILLed in the middle. Its clients reconnect to another backend and
 * send again every message without a reply (same `clientMsgId`), as the web client does. The assistant is a slow
 * OpenAI-compatible stand-in in this process (a run lasts `--chunks × --chunk-ms`), so many runs are in flight when
 * the kill lands. The clients connect to the backends directly, not through frontends.
 *
 *   npx tsx --conditions=@tarmac/source bench/fleet/run.ts --clients 1000 --rate 50 --duration-s 30 --label fleet
 *   npx tsx --conditions=@tarmac/source bench/fleet/run.ts --clients 30 --rate 20 --duration-s 6 --out /tmp/fleet.json
 *
 * Reports: acknowledged messages lost (acked, not in Postgres), duplicate replies (a user message with more than
 * one assistant reply stored, or a client told of two), runs never completed (acked, no reply stored after the
 * drain), ack and run p50/p99 from each message's due time — overall and for the messages whose run was on the
 * killed backend — and the provider calls beyond one per message (the runs the killed backend had started).
 */
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { createTestDatabase, startTestRedis } from '@tarmac/testing'
import { percentile, startBackend, startJwks } from '../chat/harness.js'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import { FleetClient, type SentMessage } from './fleet-client.js'
import { startSlowProvider } from './slow-provider.js'
import { tables, type FleetResult } from './tables.js'

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: '3' },
    clients: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '50' },
    'duration-s': { type: 'string', default: '30' },
    /** When the first backend is SIGKILLed, as a share of the sending phase. */
    'kill-at': { type: 'string', default: '0.5' },
    'drain-s': { type: 'string', default: '60' },
    chunks: { type: 'string', default: '10' },
    'chunk-ms': { type: 'string', default: '100' },
    'connect-batch': { type: 'string', default: '50' },
    'pool-max': { type: 'string', default: '10' },
    from: { type: 'string', default: 'source' },
    ...RUN_OPTIONS,
  },
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function latencies(messages: readonly SentMessage[]) {
  const acked = messages.filter((m) => m.ackMs !== undefined).map((m) => m.ackMs! - m.dueMs)
  const completed = messages.filter((m) => m.completedMs !== undefined).map((m) => m.completedMs! - m.dueMs)
  return {
    messages: messages.length,
    ackMs: { p50: percentile(acked, 50), p99: percentile(acked, 99), max: percentile(acked, 100) },
    runMs: {
      p50: percentile(completed, 50),
      p99: percentile(completed, 99),
      max: percentile(completed, 100),
    },
  }
}

async function main(): Promise<void> {
  const bench = startRun({ bench: 'fleet', label: args.label, out: args.out })
  const backendCount = Number(args.backends)
  const db = await createTestDatabase('bench_fleet')
  const redis = await startTestRedis()
  const jwks = await startJwks()
  const provider = await startSlowProvider({ chunks: Number(args.chunks), chunkMs: Number(args['chunk-ms']) })
  const env = {
    DATABASE_URL: db.url,
    AUTH_URL: jwks.url,
    REDIS_URL: redis.url,
    LLM_PROVIDER: 'openai',
    OPENAI_BASE_URL: provider.baseUrl,
    LLM_MODEL: 'bench-model',
    DB_POOL_MAX: args['pool-max'],
    DB_FLEET_SIZE: String(backendCount),
  }
  const backends: Awaited<ReturnType<typeof startBackend>>[] = []
  const dead = new Set<number>()
  const clients: FleetClient[] = []
  try {
    // One after the other: the first runs the migrations; the others find them done.
    for (let i = 0; i < backendCount; i++)
      backends.push(await startBackend({ from: args.from as 'dist' | 'source', env }))
    const ports = backends.map((b) => b.port)
    const clientCount = Number(args.clients)
    const batch = Number(args['connect-batch'])
    for (let start = 0; start < clientCount; start += batch) {
      const size = Math.min(batch, clientCount - start)
      clients.push(
        ...(await Promise.all(
          Array.from({ length: size }, async (_, j) => {
            const token = await jwks.mint(randomUUID())
            const home = (start + j) % backendCount
            const response = await fetch(`http://127.0.0.1:${ports[home]}/api/threads`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: '{"title":"fleet bench"}',
            })
            const { id } = (await response.json()) as { id: string }
            const client = new FleetClient(token, id, ports, home, (i) => !dead.has(i))
            await client.connect()
            return client
          }),
        )),
      )
    }
    process.stderr.write(`${clients.length} clients connected to ${backendCount} backends\n`)

    // The open loop: messages due at a fixed aggregate rate, round-robin over the clients.
    const ratePerSecond = Number(args.rate)
    const durationMs = Number(args['duration-s']) * 1000
    const total = Math.round((ratePerSecond * durationMs) / 1000)
    const killAtIndex = Math.round(total * Number(args['kill-at']))
    const intervalMs = 1000 / ratePerSecond
    const startMs = performance.now() + 50
    let killedAtMs = 0
    let unansweredOnKilled: SentMessage[] = []
    let next = 0
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now()
        while (next < total && startMs + next * intervalMs <= now) {
          if (next === killAtIndex && killedAtMs === 0) {
            // Runs the killed backend had acknowledged and not finished: what a takeover must answer.
            unansweredOnKilled = clients
              .filter((c) => c.instance === 0)
              .flatMap((c) => c.messages)
              .filter((m) => m.completedMs === undefined)
            dead.add(0)
            backends[0]!.process.kill('SIGKILL')
            killedAtMs = now
            process.stderr.write(
              `backend 0 SIGKILLed with ${unansweredOnKilled.length} of its messages unanswered\n`,
            )
          }
          clients[next % clients.length]!.send(startMs + next * intervalMs)
          next++
        }
        if (next >= total) return resolve()
        setTimeout(tick, Math.max(0, startMs + next * intervalMs - performance.now()))
      }
      setTimeout(tick, Math.max(0, startMs - performance.now()))
    })
    const all = () => clients.flatMap((c) => c.messages)
    const drainUntil = performance.now() + Number(args['drain-s']) * 1000
    while (performance.now() < drainUntil && all().some((m) => m.completedMs === undefined && !m.failed))
      await sleep(100)

    // Postgres is the judge: what was acknowledged is stored, and has exactly one reply.
    const messages = all()
    const acked = messages.filter((m) => m.messageId !== undefined)
    const check = new pg.Client({ connectionString: db.url })
    await check.connect()
    const ids = acked.map((m) => m.messageId!)
    const stored = await check.query<{ id: string; replies: string }>(
      `select m.id, (select count(*) from chat_messages r
          where r.role = 'assistant' and r.metadata->>'replyTo' = m.id::text) as replies
        from chat_messages m where m.id = any($1::uuid[])`,
      [ids],
    )
    await check.end()
    const replies = new Map(stored.rows.map((row) => [row.id, Number(row.replies)]))
    const calls = [...provider.callsByText.entries()].filter(([text]) => text.startsWith('bench '))
    const result: FleetResult = {
      backends: backendCount,
      clients: clients.length,
      viaFrontends: false,
      from: args.from as 'dist' | 'source',
      offeredPerSecond: ratePerSecond,
      durationS: durationMs / 1000,
      runDurationMs: Number(args.chunks) * Number(args['chunk-ms']),
      killedAfterS: Math.round((killedAtMs - startMs) / 100) / 10,
      inFlightOnKilled: unansweredOnKilled.length,
      sent: messages.length,
      acked: acked.length,
      neverAcked: messages.length - acked.length,
      ackedLost: acked.filter((m) => !replies.has(m.messageId!)).length,
      duplicateReplies:
        [...replies.values()].filter((count) => count > 1).length +
        messages.filter((m) => m.replyIds.size > 1).length,
      runsNeverCompleted: acked.filter((m) => (replies.get(m.messageId!) ?? 0) === 0).length,
      repliesNotSeenByClient: acked.filter(
        (m) => (replies.get(m.messageId!) ?? 0) > 0 && m.completedMs === undefined,
      ).length,
      failed: messages.filter((m) => m.failed).length,
      resends: messages.reduce((n, m) => n + m.resends, 0),
      retries: messages.reduce((n, m) => n + m.retries, 0),
      reconnects: clients.reduce((n, c) => n + c.reconnects, 0),
      providerCalls: calls.reduce((n, [, count]) => n + count, 0),
      messagesWithExtraProviderCalls: calls.filter(([, count]) => count > 1).length,
      all: latencies(messages),
      onKilledBackend: latencies(unansweredOnKilled),
      errors: Object.fromEntries(
        Object.entries(
          clients.reduce<Record<string, number>>((sum, c) => {
            for (const [code, count] of Object.entries(c.errors)) sum[code] = (sum[code] ?? 0) + count
            return sum
          }, {}),
        ),
      ),
    }
    for (const client of clients) client.close()
    const run = await bench.finish(result)
    console.log(tables.outcome([run]))
    console.log(tables.latency([run]))
  } finally {
    for (const client of clients) client.close()
    await Promise.all(backends.filter((_, i) => !dead.has(i)).map((backend) => backend.stop()))
    await provider.close()
    jwks.close()
    await redis.stop()
    await db.drop()
  }
}

await main()
