import { randomBytes, randomUUID } from 'node:crypto'
import { until } from '@tarmac/testing'
import { api } from '../../../services/backend/test/support/backend-harness.js'
import { ChatClient, type Frame } from '../../../services/backend/test/support/ws-client.js'

export { api, ChatClient, type Frame }

/**
 * A new user, signed up through `base` (the frontend, which proxies `/auth`, or auth itself): their access token.
 */
export async function signUp(base: string): Promise<string> {
  const email = `artefact-${randomBytes(6).toString('hex')}@example.test`
  const response = await fetch(`${base}/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery staple', displayName: 'Artefact' }),
  })
  const body = (await response.json()) as { accessToken?: string; code?: string; message?: string }
  if (response.status !== 201 || !body.accessToken)
    throw new Error(`signup through ${base} answered ${response.status}: ${JSON.stringify(body)}`)
  return body.accessToken
}

/** A new thread of the token's user, through `base` (`/api` on the frontend or a backend). */
export async function createThread(base: string, token: string): Promise<string> {
  const { status, body } = await api(base, token, 'POST', '/api/threads', { title: 'artefact' })
  if (status !== 201 || !body.id)
    throw new Error(`POST /api/threads answered ${status}: ${JSON.stringify(body)}`)
  return body.id
}

/** A chat socket on `base`'s `/ws` (`http://…` → `ws://…`), authenticated with the token as a subprotocol. */
export function openChat(base: string, token: string): Promise<ChatClient> {
  return ChatClient.withSubprotocol(`${base.replace(/^http/, 'ws')}/ws`, token)
}

/** One message on a socket and the run it starts, to its end: the ack and the run's frames. */
export async function roundTrip(
  client: ChatClient,
  threadId: string,
  text = 'What is the status of the platform?',
): Promise<{ ack: Frame; completed: Frame; frames: Frame[] }> {
  const clientMsgId = randomUUID()
  client.send({ type: 'message.send', threadId, clientMsgId, text })
  const ack = await client.next(
    (f) =>
      (f.type === 'message.ack' && f.clientMsgId === clientMsgId) ||
      (f.type === 'error' && f.ref === clientMsgId),
    30_000,
  )
  if (ack.type !== 'message.ack') throw new Error(`message.send refused: ${JSON.stringify(ack)}`)
  const started = await client.next((f) => f.type === 'run.started' && f.replyTo === ack.messageId, 30_000)
  const frames = await client.run(started.runId!)
  const completed = frames.at(-1)!
  if (completed.type !== 'run.completed') throw new Error(`the run failed: ${JSON.stringify(completed)}`)
  return { ack, completed, frames }
}

/**
 * The backend port of each WebSocket the frontend tunnelled, in order, from its log: its own JSON lines, or the
 * lines `tarmac up` prints for it (`frontend │ … websocket tunnelled … upstream=127.0.0.1:8000`). Needs the
 * frontend at LOG_LEVEL=info.
 */
export function tunnelledPorts(log: string): number[] {
  return log.split('\n').flatMap((line) => {
    if (!line.includes('websocket tunnelled')) return []
    const port = /upstream\W+127\.0\.0\.1:(\d+)/.exec(line)?.[1]
    return port ? [Number(port)] : []
  })
}

/**
 * Opens chat sockets through the frontend, one at a time, until one has reached each of `backendPorts` (the
 * balancer decides; the frontend's log says where each went). Resolves with the socket on each port, and every
 * socket opened (the caller closes them).
 */
export async function socketOnEachBackend(
  frontendUrl: string,
  token: string,
  backendPorts: readonly number[],
  frontendLog: () => string,
): Promise<{ byPort: Map<number, ChatClient>; opened: ChatClient[] }> {
  const byPort = new Map<number, ChatClient>()
  const opened: ChatClient[] = []
  while (byPort.size < backendPorts.length) {
    if (opened.length === 4 * backendPorts.length)
      throw new Error(
        `${opened.length} sockets through the frontend reached only backend ports [${[...byPort.keys()].join(', ')}] of [${backendPorts.join(', ')}]`,
      )
    const before = tunnelledPorts(frontendLog()).length
    const socket = await openChat(frontendUrl, token)
    opened.push(socket)
    await until(() => tunnelledPorts(frontendLog()).length > before, 10_000)
    const port = tunnelledPorts(frontendLog())[before]!
    if (!byPort.has(port)) byPort.set(port, socket)
  }
  return { byPort, opened }
}
