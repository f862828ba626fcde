import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '@tarmac/service'
import { threadTopic } from '../src/index.js'
import { api, startStack } from './support/backend-harness.js'
import { ChatClient } from './support/ws-client.js'

// Tight limits so each one can be crossed quickly; the defaults are in BACKEND_DEFAULTS.
let stack: Awaited<ReturnType<typeof startStack>>
const warnings: string[] = []
beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      warnings.push(chunk.toString())
      done()
    },
  })
  stack = await startStack('backend_ws_limits', {
    options: {
      logger: createLogger({ name: 'backend', level: 'warn', destination }),
      authTimeoutMs: 500,
      maxFrameBytes: 1_024,
      maxPayloadBytes: 64 * 1024,
      maxMessageChars: 500,
      rateLimitBurst: 8,
      rateLimitPerSecond: 2,
      maxBufferedBytes: 64 * 1024,
    },
  })
})
afterAll(() => stack?.close())

async function authed(): Promise<{ client: ChatClient; token: string }> {
  const token = await stack.auth.mint()
  const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
  await client.next((f) => f.type === 'auth.ok')
  return { client, token }
}

/** The socket still answers: a ping gets its pong. */
async function stillUsable(client: ChatClient): Promise<void> {
  const ref = randomUUID()
  client.send({ type: 'ping', ref })
  await client.next((f) => f.type === 'pong' && f.ref === ref)
}

describe('bad frames get an error frame with a code; the socket stays usable', () => {
  it('malformed JSON, unknown types, bad fields, binary frames', async () => {
    const { client } = await authed()
    client.send('{"type": "message.send", ')
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ code: 'INVALID_JSON' })
    client.send({ type: 'message.edit', ref: 'r1' })
    expect(await client.next((f) => f.ref === 'r1')).toMatchObject({
      type: 'error',
      code: 'UNKNOWN_FRAME_TYPE',
    })
    client.send({ type: 'message.send', clientMsgId: 'no-thread', text: 'hi' })
    expect(await client.next((f) => f.ref === 'no-thread')).toMatchObject({ code: 'INVALID_FRAME' })
    client.send({ type: 'message.send', threadId: randomUUID(), clientMsgId: 'long', text: 'x'.repeat(501) })
    expect(await client.next((f) => f.ref === 'long')).toMatchObject({ code: 'INVALID_FRAME' })
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true })
    expect(
      await client.next((f) => f.code === 'INVALID_FRAME' && String(f.message).includes('binary')),
    ).toBeTruthy()
    await stillUsable(client)
    client.close()
  })

  it('a wrong or foreign thread is THREAD_NOT_FOUND', async () => {
    const { client } = await authed()
    client.send({ type: 'message.send', threadId: randomUUID(), clientMsgId: 'ghost', text: 'hi' })
    expect(await client.next((f) => f.ref === 'ghost')).toMatchObject({ code: 'THREAD_NOT_FOUND' })
    client.send({ type: 'thread.subscribe', threadId: 'not-a-uuid', ref: 'bad-id' })
    expect(await client.next((f) => f.ref === 'bad-id')).toMatchObject({ code: 'THREAD_NOT_FOUND' })
    await stillUsable(client)
    client.close()
  })

  it('an oversized frame is refused with FRAME_TOO_LARGE; beyond the hard cap the socket closes with 1009', async () => {
    const { client } = await authed()
    client.send({ type: 'ping', ref: 'big', padding: 'x'.repeat(2_000) })
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ code: 'FRAME_TOO_LARGE' })
    await stillUsable(client)
    client.send('x'.repeat(70 * 1024))
    expect((await client.closed).code).toBe(1009)
  })

  it('more frames than the rate limit are dropped with RATE_LIMITED, then the socket recovers', async () => {
    const { client } = await authed()
    for (let i = 0; i < 20; i++) client.send({ type: 'ping', ref: `p${i}` })
    await client.next((f) => f.code === 'RATE_LIMITED')
    const pongs = () => client.frames.filter((f) => f.type === 'pong').length
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(pongs()).toBeLessThanOrEqual(9)
    expect(client.frames.filter((f) => f.code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(11)
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    await stillUsable(client)
    client.close()
  })
})

describe('refusals before parsing carry the ref of the frame they refuse', () => {
  it('RATE_LIMITED names each dropped message.send by its clientMsgId, and says it is retryable', async () => {
    const { client, token } = await authed()
    const threadId = (await api(stack.url, token, 'POST', '/api/threads')).body.id!
    // A reconnect's flush: more sends than the burst (8) in one go.
    const ids = Array.from({ length: 14 }, (_, i) => `flush-${i}`)
    for (const clientMsgId of ids)
      client.send({ type: 'message.send', threadId, clientMsgId, text: 'queued' })
    const answer = (id: string) =>
      client.next(
        (f) => (f.type === 'message.ack' && f.clientMsgId === id) || (f.type === 'error' && f.ref === id),
      )
    const answers = await Promise.all(ids.map(answer))
    const limited = answers.filter((f) => f.code === 'RATE_LIMITED')
    expect(limited.length).toBeGreaterThan(0)
    for (const frame of limited) expect(frame).toMatchObject({ type: 'error', retryable: true })
    expect(answers.filter((f) => f.type === 'message.ack').length + limited.length).toBe(14)
    client.close()
  })

  it('FRAME_TOO_LARGE carries the ref when the frame names it early, and is final', async () => {
    const { client } = await authed()
    await new Promise((resolve) => setTimeout(resolve, 1_100)) // a fresh token in the bucket
    const threadId = randomUUID()
    client.send({ type: 'message.send', threadId, clientMsgId: 'too-big', text: 'x'.repeat(2_000) })
    expect(await client.next((f) => f.type === 'error' && f.ref === 'too-big')).toMatchObject({
      code: 'FRAME_TOO_LARGE',
      retryable: false,
    })
    // Named after 4 KiB of text: the server does not read that far; the refusal has no ref.
    client.send({ type: 'message.send', threadId, text: 'y'.repeat(5_000), clientMsgId: 'named-late' })
    const late = await client.next(
      (f) => f.type === 'error' && f.code === 'FRAME_TOO_LARGE' && f.ref !== 'too-big',
    )
    expect(late.ref).toBeUndefined()
    client.close()
  })
})

describe('authentication', () => {
  it('a frame before auth is AUTH_REQUIRED; the auth frame then works', async () => {
    const client = new ChatClient(stack.wsUrl, ['tarmac.v1'])
    await client.opened()
    client.send({ type: 'thread.subscribe', threadId: randomUUID(), ref: 'early' })
    expect(await client.next((f) => f.ref === 'early')).toMatchObject({ code: 'AUTH_REQUIRED' })
    client.send({ type: 'auth', token: await stack.auth.mint() })
    await client.next((f) => f.type === 'auth.ok')
    client.close()
  })

  it('no authentication within the timeout → close 4401', async () => {
    const client = new ChatClient(stack.wsUrl)
    await client.opened()
    expect((await client.closed).code).toBe(4401)
  })

  it('a bad, expired or foreign token → AUTH_FAILED and close 4401', async () => {
    const tokens = [
      'not.a.jwt',
      await stack.auth.mint({ expiresIn: '-1m' }),
      await stack.auth.mint({ key: 'foreign' }),
    ]
    for (const token of tokens) {
      const viaProtocol = new ChatClient(stack.wsUrl, ['tarmac.v1', `bearer.${token}`])
      expect((await viaProtocol.closed).code).toBe(4401)
      expect(viaProtocol.frames).toEqual([expect.objectContaining({ type: 'error', code: 'AUTH_FAILED' })])
    }
    const viaFrame = new ChatClient(stack.wsUrl, ['tarmac.v1'])
    await viaFrame.opened()
    viaFrame.send({ type: 'auth', token: tokens[1]! })
    expect((await viaFrame.closed).code).toBe(4401)
  })
})

describe('heartbeats and slow consumers', () => {
  it('a socket that stops answering pings is terminated; a live one stays', async () => {
    // A backend of its own with fast heartbeats, so they cannot interfere with the other tests here.
    const fast = await startStack('backend_heartbeat', { options: { heartbeatIntervalMs: 200 } })
    try {
      const token = await fast.auth.mint()
      const dead = new ChatClient(fast.wsUrl, ['tarmac.v1', `bearer.${token}`], { autoPong: false })
      const live = await ChatClient.withSubprotocol(fast.wsUrl, token)
      expect((await dead.closed).code).toBe(1006)
      await new Promise((resolve) => setTimeout(resolve, 600)) // three more heartbeats
      await stillUsable(live)
      expect(live.socket.readyState).toBe(live.socket.OPEN)
      live.close()
    } finally {
      await fast.close()
    }
  })

  it('a subscriber that stops reading is disconnected instead of buffered without bound', async () => {
    const { client, token } = await authed()
    const threadId = (await api(stack.url, token, 'POST', '/api/threads')).body.id!
    client.send({ type: 'thread.subscribe', threadId })
    await client.next((f) => f.type === 'thread.subscribed')
    const before = stack.backend.hub.connectionCount
    ;(client.socket as unknown as { _socket: Socket })._socket.pause()
    // Flood the thread's topic with ~40 MB of run deltas: far more than the kernel buffers hold.
    const delta = 'x'.repeat(32 * 1024)
    for (let i = 0; i < 1_200 && stack.backend.hub.connectionCount === before; i++) {
      await stack.backend.bus.publish(threadTopic(threadId), {
        type: 'run.delta',
        runId: 'flood',
        threadId,
        index: i,
        delta,
      })
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await expect.poll(() => stack.backend.hub.connectionCount, { timeout: 10_000 }).toBe(before - 1)
    expect(warnings.some((line) => line.includes('slow consumer disconnected'))).toBe(true)
    client.socket.terminate()
  })
})
