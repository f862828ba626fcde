/**
 * Chat under load: N concurrent WebSocket clients on ONE backend with the local (offline, deterministic)
 * assistant. Each client is its own user with its own thread; it sends a message, waits for the run to
 * complete, pauses, and sends the next. The backend runs as a separate process (src/main.ts through tsx,
 * as `npm start` from source would), against a fresh database on the local PostgreSQL; this process is
 * only the load generator and the JWKS the backend verifies tokens with.
 *
 *   npx tsx --conditions=@tarmac/source bench/chat/run.ts --clients 100 --messages 20
 *   npx tsx --conditions=@tarmac/source bench/chat/run.ts --clients 1000 --messages 5
 *
 * Measured: connect (open + auth.ok), ack latency (send → message.ack: the message is durable),
 * run completion (send → run.completed: streamed, stored), messages/s (completed runs per second of the
 * sending phase) and the backend's RSS (VmRSS sampled every 100 ms: idle, peak). Appends to results.json.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import WebSocket from 'ws'
import { createTestDatabase, getFreePort } from '@tarmac/testing'

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    messages: { type: 'string', default: '10' },
    'pause-ms': { type: 'string', default: '150' },
    'connect-batch': { type: 'string', default: '100' },
    text: { type: 'string', default: 'hello, what can you tell me?' },
  },
})
const CLIENTS = Number(args.clients)
const MESSAGES = Number(args.messages)
/** Between a run's completion and the next send: keeps each socket under the 10 frames/s rate limit. */
const PAUSE_MS = Number(args['pause-ms'])
const CONNECT_BATCH = Number(args['connect-batch'])
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url))

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 10) / 10
}

async function startJwks() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const kid = randomUUID()
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }] })
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const mint = (userId: string) =>
    new SignJWT({ email: `${userId.slice(0, 8)}@bench.test` })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setSubject(userId)
      .setIssuer('tarmac-auth')
      .setAudience('tarmac')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey)
  return { url: `http://127.0.0.1:${port}`, mint, close: () => server.close() }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
}

interface Client {
  socket: WebSocket
  threadId: string
  pending: Map<string, { sentMs: number; ackMs?: number; resolve: () => void }>
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_chat')
  const jwks = await startJwks()
  const port = await getFreePort()
  const backend = spawn(
    process.execPath,
    ['--conditions=@tarmac/source', '--import', 'tsx', 'services/backend/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        AUTH_URL: jwks.url,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )
  const base = `http://127.0.0.1:${port}`
  try {
    for (let i = 0; ; i++) {
      const ready = await fetch(`${base}/health/ready`).then(
        (r) => r.ok,
        () => false,
      )
      if (ready) break
      if (i > 600) throw new Error('the backend did not become ready in 60 s')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const pid = backend.pid!
    const idleRssMb = rssMb(pid)
    let peakRssMb = idleRssMb
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb(pid))), 100)

    // Users, tokens and threads (REST), then sockets in batches.
    const connectMs: number[] = []
    const clients: Client[] = []
    const errors: Record<string, number> = {}
    const ackMs: number[] = []
    const completionMs: number[] = []
    const closes: number[] = []
    for (let start = 0; start < CLIENTS; start += CONNECT_BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(CONNECT_BATCH, CLIENTS - start) }, async () => {
          const token = await jwks.mint(randomUUID())
          const thread = (await (
            await fetch(`${base}/api/threads`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: '{"title":"bench"}',
            })
          ).json()) as { id: string }
          const startedMs = performance.now()
          const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['tarmac.v1', `bearer.${token}`])
          const client: Client = { socket, threadId: thread.id, pending: new Map() }
          await new Promise<void>((resolve, reject) => {
            socket.on('error', reject)
            socket.on('message', (data: Buffer) => {
              const frame = JSON.parse(data.toString()) as Record<string, string>
              if (frame.type === 'auth.ok') {
                connectMs.push(performance.now() - startedMs)
                resolve()
              } else if (frame.type === 'message.ack') {
                const pending = client.pending.get(frame.clientMsgId!)
                if (pending) {
                  pending.ackMs = performance.now()
                  ackMs.push(pending.ackMs - pending.sentMs)
                }
              } else if (frame.type === 'run.completed' || frame.type === 'run.failed') {
                if (frame.type === 'run.failed') errors[frame.code!] = (errors[frame.code!] ?? 0) + 1
                // One message in flight per client: the run answers the pending one.
                const [id, pending] = [...client.pending.entries()][0] ?? []
                if (id && pending) {
                  completionMs.push(performance.now() - pending.sentMs)
                  client.pending.delete(id)
                  pending.resolve()
                }
              } else if (frame.type === 'error') {
                errors[frame.code!] = (errors[frame.code!] ?? 0) + 1
              }
            })
            socket.on('close', (code) => closes.push(code))
          })
          return client
        }),
      )
      clients.push(...batch)
    }

    const sendingStartedMs = performance.now()
    await Promise.all(
      clients.map(async (client) => {
        for (let m = 0; m < MESSAGES; m++) {
          const clientMsgId = randomUUID()
          await new Promise<void>((resolve) => {
            client.pending.set(clientMsgId, { sentMs: performance.now(), resolve })
            client.socket.send(
              JSON.stringify({
                type: 'message.send',
                threadId: client.threadId,
                clientMsgId,
                text: args.text,
              }),
            )
          })
          await new Promise((resolve) => setTimeout(resolve, PAUSE_MS))
        }
      }),
    )
    const sendingMs = performance.now() - sendingStartedMs - PAUSE_MS
    clearInterval(sampler)
    const loadedRssMb = rssMb(pid)
    for (const client of clients) client.socket.close()

    const result = {
      command: `npx tsx --conditions=@tarmac/source bench/chat/run.ts --clients ${CLIENTS} --messages ${MESSAGES}`,
      date: new Date().toISOString(),
      node: process.version,
      cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
      clients: CLIENTS,
      messagesPerClient: MESSAGES,
      pauseMs: PAUSE_MS,
      completedRuns: completionMs.length,
      connectMs: { p50: percentile(connectMs, 50), p99: percentile(connectMs, 99) },
      ackMs: { p50: percentile(ackMs, 50), p99: percentile(ackMs, 99), max: percentile(ackMs, 100) },
      runCompletionMs: { p50: percentile(completionMs, 50), p99: percentile(completionMs, 99) },
      messagesPerSecond: Math.round((completionMs.length / sendingMs) * 1000 * 10) / 10,
      backendRssMb: { idle: idleRssMb, peak: peakRssMb, afterLoad: loadedRssMb },
      errors,
      unexpectedCloses: closes.filter((code) => code !== 1000 && code !== 1005).length,
    }
    console.log(JSON.stringify(result, null, 2))
    const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as unknown[]) : []
    writeFileSync(RESULTS, `${JSON.stringify([...previous, result], null, 2)}\n`)
  } finally {
    backend.kill('SIGTERM')
    await new Promise((resolve) => backend.once('exit', resolve))
    jwks.close()
    await db.drop()
  }
}

await main()
