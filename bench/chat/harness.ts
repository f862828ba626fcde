import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import WebSocket from 'ws'
import { offeredProtocols } from '@tarmac/protocol'
import { getFreePort } from '@tarmac/testing'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The p-th percentile (nearest rank), rounded to 0.1; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 10) / 10
}

/** The backend's resident memory, from /proc. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
}

/** A JWKS the backend verifies tokens with, and the key that signs them (this process plays auth). */
export async function startJwks() {
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
      .setExpirationTime('2h')
      .sign(privateKey)
  return { url: `http://127.0.0.1:${port}`, mint, close: () => server.close() }
}

/**
 * The backend as a separate process: `dist/main.js` (the production bundle; `npm run build` first) or its source
 * through tsx. Resolves once `/health/ready` answers 200.
 */
export async function startBackend(options: {
  from: 'dist' | 'source'
  env: Record<string, string>
  /** Extra Node flags for the backend, e.g. `--cpu-prof --cpu-prof-dir=DIR` (written when it exits). */
  nodeArgs?: readonly string[]
  /** With `from: 'dist'`: the bundle's folder, from the root (another build, for an A/B run). */
  distDir?: string
}): Promise<{ base: string; port: number; process: ChildProcess; stop: () => Promise<void> }> {
  const port = await getFreePort()
  const args =
    options.from === 'dist'
      ? [`${options.distDir ?? 'services/backend/dist'}/main.js`]
      : ['--conditions=@tarmac/source', '--import', 'tsx', 'services/backend/src/main.ts']
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    if (child.exitCode !== null) throw new Error(`the backend exited with ${child.exitCode}`)
    if (i > 600) throw new Error('the backend did not become ready in 60 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    base,
    port,
    process: child,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** What a client hears about one message it sent. */
export interface MessageTiming {
  /** When it was due (open loop: the schedule; closed loop: when it was written). */
  readonly dueMs: number
  ackMs?: number
  completedMs?: number
  failed?: string
  settle?: () => void
}

/** One user with one thread and one authenticated socket; it matches acks and run events to what it sent. */
export class ChatClient {
  readonly socket: WebSocket
  readonly threadId: string
  readonly connectMs: number
  readonly closes: number[] = []
  readonly errors: Record<string, number> = {}
  readonly #byClientMsgId = new Map<string, MessageTiming>()
  readonly #byMessageId = new Map<string, MessageTiming>()
  readonly #byRunId = new Map<string, MessageTiming>()

  private constructor(socket: WebSocket, threadId: string, connectMs: number) {
    this.socket = socket
    this.threadId = threadId
    this.connectMs = connectMs
    socket.on('message', (data: Buffer) =>
      this.#onFrame(JSON.parse(data.toString()) as Record<string, string>),
    )
    socket.on('close', (code) => this.closes.push(code))
  }

  /** Signs a user up (a token), creates its thread over REST, opens the socket and waits for `auth.ok`. */
  static async connect(port: number, token: string): Promise<ChatClient> {
    const thread = (await (
      await fetch(`http://127.0.0.1:${port}/api/threads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"title":"bench"}',
      })
    ).json()) as { id: string }
    const startedMs = performance.now()
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, offeredProtocols(token))
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      const onFrame = (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type?: string }).type !== 'auth.ok') return
        socket.off('message', onFrame)
        socket.off('error', reject)
        resolve()
      }
      socket.on('message', onFrame)
    })
    return new ChatClient(socket, thread.id, performance.now() - startedMs)
  }

  /** Writes `message.send`; the timing fills in as the ack and the run's end arrive. */
  send(text: string, dueMs: number): MessageTiming {
    const clientMsgId = randomUUID()
    const timing: MessageTiming = { dueMs }
    this.#byClientMsgId.set(clientMsgId, timing)
    // `ref` comes back on an error frame, so a refused send is matched too.
    this.socket.send(
      JSON.stringify({ type: 'message.send', threadId: this.threadId, clientMsgId, text, ref: clientMsgId }),
    )
    return timing
  }

  #onFrame(frame: Record<string, string>): void {
    const now = performance.now()
    if (frame.type === 'message.ack') {
      const timing = this.#byClientMsgId.get(frame.clientMsgId!)
      if (!timing) return
      this.#byClientMsgId.delete(frame.clientMsgId!)
      timing.ackMs = now
      this.#byMessageId.set(frame.messageId!, timing)
    } else if (frame.type === 'run.started') {
      const timing = this.#byMessageId.get(frame.replyTo!)
      if (!timing) return
      this.#byMessageId.delete(frame.replyTo!)
      this.#byRunId.set(frame.runId!, timing)
    } else if (frame.type === 'run.completed' || frame.type === 'run.failed') {
      const timing = this.#byRunId.get(frame.runId!)
      if (!timing) return
      this.#byRunId.delete(frame.runId!)
      timing.completedMs = now
      if (frame.type === 'run.failed') {
        timing.failed = frame.code ?? 'RUN_FAILED'
        this.errors[timing.failed] = (this.errors[timing.failed] ?? 0) + 1
      }
      timing.settle?.()
    } else if (frame.type === 'error') {
      this.errors[frame.code!] = (this.errors[frame.code!] ?? 0) + 1
      const timing = frame.ref ? this.#byClientMsgId.get(frame.ref) : undefined
      if (timing) {
        timing.failed = frame.code
        timing.settle?.()
      }
    }
  }
}

/** `count` clients, each its own user, connected `batch` at a time. */
export async function connectClients(
  port: number,
  mint: (userId: string) => Promise<string>,
  count: number,
  batch: number,
): Promise<ChatClient[]> {
  const clients: ChatClient[] = []
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start)
    clients.push(
      ...(await Promise.all(
        Array.from({ length: size }, async () => ChatClient.connect(port, await mint(randomUUID()))),
      )),
    )
  }
  return clients
}

/** Adds up the clients' error codes and unexpected closes. */
export function problemsOf(clients: readonly ChatClient[]) {
  const errors: Record<string, number> = {}
  for (const client of clients)
    for (const [code, count] of Object.entries(client.errors)) errors[code] = (errors[code] ?? 0) + count
  const unexpectedCloses = clients
    .flatMap((client) => client.closes)
    .filter((code) => code !== 1000 && code !== 1005).length
  return { errors, unexpectedCloses }
}
