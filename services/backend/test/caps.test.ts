import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '@tarmac/testing'
import { api, startStack } from './support/backend-harness.js'
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js'
import { ChatClient } from './support/ws-client.js'

// Small caps so each can be crossed: 2 runs per user, 3 sockets per user, 6 sockets per address. Runs that
// never end come from a fake OpenAI-compatible server streaming forever.
let stack: Awaited<ReturnType<typeof startStack>>
let fake: FakeOpenAi
beforeAll(async () => {
  fake = await startFakeOpenAi()
  fake.behaviour = (text) => (text.includes('[endless]') ? 'slow-forever' : 'stream')
  stack = await startStack('backend_caps', {
    env: {
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      LLM_MODEL: 'fake-model',
      CHAT_MAX_RUNS_PER_USER: '2',
      WS_MAX_SOCKETS_PER_USER: '3',
      WS_MAX_SOCKETS_PER_IP: '6',
    },
    options: { runDrainMs: 0 },
  })
})
afterAll(async () => {
  await stack?.close()
  await fake?.close()
})

async function closeAll(clients: ChatClient[]): Promise<void> {
  for (const client of clients) client.close()
  await Promise.all(clients.map((client) => client.closed))
  await until(() => stack.backend.hub.connectionCount === 0)
}

describe('per-user and per-address caps (fake OpenAI-compatible server)', () => {
  it('refuses a send past CHAT_MAX_RUNS_PER_USER concurrent runs with TOO_MANY_RUNS, before storing it', async () => {
    const token = await stack.auth.mint()
    // two threads: their runs go at once (one thread runs one at a time), so the cap is the user's
    const threadId = (await api(stack.url, token, 'POST', '/api/threads')).body.id!
    const secondThreadId = (await api(stack.url, token, 'POST', '/api/threads')).body.id!
    const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
    const requestsBefore = fake.requests.length
    for (const [id, thread] of [
      ['r1', threadId],
      ['r2', secondThreadId],
      ['r3', threadId],
    ] as const)
      client.send({ type: 'message.send', threadId: thread, clientMsgId: id, text: `[endless] ${id}` })
    expect(await client.next((f) => f.ref === 'r3')).toMatchObject({ type: 'error', code: 'TOO_MANY_RUNS' })
    expect(client.frames.filter((f) => f.type === 'message.ack').map((f) => f.clientMsgId)).toEqual([
      'r1',
      'r2',
    ])
    await until(() => fake.requests.length - requestsBefore === 2)
    const stored = await api(stack.url, token, 'GET', `/api/threads/${threadId}/messages`)
    expect(stored.body.items.map((m) => m.text)).toEqual(['[endless] r1'])
    // another user is not affected
    const other = await stack.auth.mint()
    const otherThread = (await api(stack.url, other, 'POST', '/api/threads')).body.id!
    const otherClient = await ChatClient.withSubprotocol(stack.wsUrl, other)
    otherClient.send({ type: 'message.send', threadId: otherThread, clientMsgId: 'o1', text: 'hello' })
    expect(await otherClient.next((f) => f.type === 'run.completed')).toBeTruthy()
    await closeAll([client, otherClient])
  })

  it('closes a socket past WS_MAX_SOCKETS_PER_USER with 4429 and TOO_MANY_SOCKETS', async () => {
    const token = await stack.auth.mint()
    const open = []
    for (let i = 0; i < 3; i++) {
      const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
      await client.next((f) => f.type === 'auth.ok')
      open.push(client)
    }
    const fourth = new ChatClient(stack.wsUrl, ['tarmac.v1', `bearer.${token}`])
    expect(await fourth.next((f) => f.type === 'error')).toMatchObject({ code: 'TOO_MANY_SOCKETS' })
    expect((await fourth.closed).code).toBe(4429)
    // one closes: a new one fits again
    open.shift()!.close()
    await until(() => stack.backend.hub.connectionCount === 2)
    const again = await ChatClient.withSubprotocol(stack.wsUrl, token)
    await again.next((f) => f.type === 'auth.ok')
    await closeAll([...open, again])
  })

  it('closes a socket past WS_MAX_SOCKETS_PER_IP with 4429, before it authenticates', async () => {
    const open = []
    for (let i = 0; i < 6; i++) {
      const client = await ChatClient.withSubprotocol(stack.wsUrl, await stack.auth.mint())
      await client.next((f) => f.type === 'auth.ok')
      open.push(client)
    }
    const seventh = new ChatClient(stack.wsUrl, ['tarmac.v1'])
    expect(await seventh.next((f) => f.type === 'error')).toMatchObject({ code: 'TOO_MANY_SOCKETS' })
    expect((await seventh.closed).code).toBe(4429)
    await closeAll(open)
    const later = await ChatClient.withSubprotocol(stack.wsUrl, await stack.auth.mint())
    await later.next((f) => f.type === 'auth.ok')
    await closeAll([later])
  })

  it('counts the client a trusted local proxy names (X-Forwarded-For), not the proxy', async () => {
    const behindProxy = async (client: string) => {
      const socket = new ChatClient(stack.wsUrl, ['tarmac.v1', `bearer.${await stack.auth.mint()}`], {
        headers: { 'x-forwarded-for': client },
      })
      return socket
    }
    const open = []
    for (let i = 0; i < 8; i++) {
      const client = await behindProxy(`198.51.100.${i + 1}`) // eight clients through one local proxy
      await client.next((f) => f.type === 'auth.ok')
      open.push(client)
    }
    const sameClient = []
    for (let i = 0; i < 6; i++) {
      const client = await behindProxy('203.0.113.7')
      await client.next((f) => f.type === 'auth.ok')
      sameClient.push(client)
    }
    const seventh = await behindProxy('203.0.113.7')
    expect(await seventh.next((f) => f.type === 'error')).toMatchObject({ code: 'TOO_MANY_SOCKETS' })
    expect((await seventh.closed).code).toBe(4429)
    await closeAll([...open, ...sameClient])
  })
})
