import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack } from './support/backend-harness.js'
import { ChatClient } from './support/ws-client.js'

// A socket is authorised no longer than the token it authenticated with: at `exp` it is closed with 4408,
// unless an `auth` frame with a fresh token came first.
let stack: Awaited<ReturnType<typeof startStack>>
beforeAll(async () => {
  stack = await startStack('backend_token_expiry')
})
afterAll(() => stack?.close())

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('WebSocket token expiry', () => {
  it('closes the socket with 4408 and a TOKEN_EXPIRED frame when its token expires', async () => {
    const token = await stack.auth.mint({ expiresIn: '3s' })
    const startedMs = Date.now()
    const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
    const ok = await client.next((f) => f.type === 'auth.ok')
    expect(Date.parse(String(ok.expiresAt))).toBeGreaterThan(startedMs)
    const closed = await client.closed
    // Closed because of the expiry (the code and the last frame say so), and not before it (timer granularity
    // aside). No upper bound: how late a timer fires depends on the machine's load.
    expect(closed.code).toBe(4408)
    expect(client.frames.at(-1)).toMatchObject({ type: 'error', code: 'TOKEN_EXPIRED' })
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(String(ok.expiresAt)) - 20)
  })

  it('stays open past the first expiry when the client re-authenticates with a fresh token', async () => {
    const userId = randomUUID()
    const client = await ChatClient.withSubprotocol(
      stack.wsUrl,
      await stack.auth.mint({ userId, expiresIn: '3s' }),
    )
    await client.next((f) => f.type === 'auth.ok')
    client.send({ type: 'auth', token: await stack.auth.mint({ userId, expiresIn: '15m' }), ref: 'again' })
    await client.next(
      (f) => f.type === 'auth.ok' && client.frames.filter((g) => g.type === 'auth.ok').length === 2,
    )
    await pause(4_000) // past the first token's exp
    const ref = randomUUID()
    client.send({ type: 'ping', ref })
    await client.next((f) => f.type === 'pong' && f.ref === ref)
    expect(client.frames.some((f) => f.code === 'TOKEN_EXPIRED')).toBe(false)
    client.close()
  })

  it('refuses re-authentication as another user or with a bad token, and keeps the socket', async () => {
    const client = await ChatClient.withSubprotocol(stack.wsUrl, await stack.auth.mint())
    await client.next((f) => f.type === 'auth.ok')
    client.send({ type: 'auth', token: await stack.auth.mint(), ref: 'other-user' })
    expect(await client.next((f) => f.ref === 'other-user')).toMatchObject({ code: 'ALREADY_AUTHENTICATED' })
    client.send({ type: 'auth', token: await stack.auth.mint({ key: 'foreign' }), ref: 'forged' })
    expect(await client.next((f) => f.ref === 'forged')).toMatchObject({ code: 'AUTH_FAILED' })
    client.send({ type: 'ping', ref: 'still' })
    await client.next((f) => f.type === 'pong' && f.ref === 'still')
    client.close()
  })
})
