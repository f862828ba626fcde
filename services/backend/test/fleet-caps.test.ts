import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '@tarmac/service'
import {
  createTestDatabase,
  getFreePort,
  startTestRedis,
  until,
  type TestDatabase,
  type TestRedis,
} from '@tarmac/testing'
import { api, startBackend } from './support/backend-harness.js'
import { spawnBackend, type ChildBackend } from './support/child-backend.js'
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'
import { ChatClient } from './support/ws-client.js'

// The run and socket caps counted in Redis across two backend processes (a Redis of this file's own): 2 runs and
// 3 sockets per user, 4 sockets per address. Runs that never end come from a fake OpenAI-compatible server.
const CAPS = { CHAT_MAX_RUNS_PER_USER: '2', WS_MAX_SOCKETS_PER_USER: '3', WS_MAX_SOCKETS_PER_IP: '4' }
let db: TestDatabase
let redis: TestRedis
let auth: TestAuth
let fake: FakeOpenAi
const children: ChildBackend[] = []
const instances: { child: ChildBackend; url: string; wsUrl: string }[] = []

async function startInstance() {
  const port = await getFreePort()
  const child = spawnBackend({
    PORT: String(port),
    DATABASE_URL: db.url,
    AUTH_URL: auth.url,
    REDIS_URL: redis.url,
    LLM_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    LLM_MODEL: 'fake-model',
    ...CAPS,
  })
  children.push(child)
  await child.waitForOutput(/backend ready on/, 90_000)
  const instance = { child, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws` }
  instances.push(instance)
  return instance
}

beforeAll(async () => {
  db = await createTestDatabase('backend_fleet_caps')
  redis = await startTestRedis()
  auth = await startTestAuth()
  fake = await startFakeOpenAi()
  fake.behaviour = (text) => (text.includes('[endless]') ? 'slow-forever' : 'stream')
  await startInstance()
  await startInstance()
}, 240_000)
afterAll(async () => {
  for (const child of children) child.child.kill('SIGKILL')
  await Promise.all(children.map((child) => child.exited))
  await fake?.close()
  await auth?.close()
  await redis?.stop()
  await db?.drop()
})

/** A socket from client address `address` (the local proxy names it: loopback is a trusted proxy). */
function socketFrom(wsUrl: string, token: string, address: string): ChatClient {
  return new ChatClient(wsUrl, ['tarmac.v1', `bearer.${token}`], { headers: { 'x-forwarded-for': address } })
}

async function closeAll(clients: ChatClient[]): Promise<void> {
  for (const client of clients) client.close()
  await Promise.all(clients.map((client) => client.closed))
}

describe('caps across two backend processes sharing Redis', () => {
  it('says at startup that the caps are counted fleet-wide', () => {
    for (const { child } of instances) expect(child.stdout()).toContain('"scope":"fleet"')
  })

  it('WS_MAX_SOCKETS_PER_USER holds across instances, and a closed socket frees its place', async () => {
    const [a, b] = instances
    const token = await auth.mint()
    const open: ChatClient[] = []
    for (const [instance, address] of [
      [a, '198.51.100.1'],
      [b, '198.51.100.2'],
      [a, '198.51.100.3'],
    ] as const) {
      const client = socketFrom(instance!.wsUrl, token, address)
      await client.next((f) => f.type === 'auth.ok')
      open.push(client)
    }
    const fourth = socketFrom(b!.wsUrl, token, '198.51.100.4')
    expect(await fourth.next((f) => f.type === 'error')).toMatchObject({ code: 'TOO_MANY_SOCKETS' })
    expect((await fourth.closed).code).toBe(4429)
    await closeAll([open.shift()!])
    // The release reaches Redis asynchronously: a new socket on the other instance fits once it has.
    await until(
      async () => {
        const again = socketFrom(b!.wsUrl, token, '198.51.100.5')
        const frame = await again.next((f) => f.type === 'auth.ok' || f.type === 'error')
        if (frame.type === 'auth.ok') return open.push(again) > 0
        await again.closed
        return false
      },
      15_000,
      200,
    )
    await closeAll(open)
  }, 60_000)

  it('WS_MAX_SOCKETS_PER_IP holds across instances', async () => {
    const [a, b] = instances
    const open: ChatClient[] = []
    for (let i = 0; i < 4; i++) {
      const client = socketFrom((i % 2 ? a : b)!.wsUrl, await auth.mint(), '203.0.113.9')
      await client.next((f) => f.type === 'auth.ok')
      open.push(client)
    }
    for (const instance of [a, b]) {
      const fifth = socketFrom(instance!.wsUrl, await auth.mint(), '203.0.113.9')
      expect(await fifth.next((f) => f.type === 'error')).toMatchObject({ code: 'TOO_MANY_SOCKETS' })
      expect((await fifth.closed).code).toBe(4429)
    }
    await closeAll(open)
  }, 60_000)

  it('CHAT_MAX_RUNS_PER_USER holds across instances', async () => {
    const [a, b] = instances
    const token = await auth.mint()
    const threads = await Promise.all(
      [1, 2, 3].map(async () => (await api(a!.url, token, 'POST', '/api/threads')).body.id!),
    )
    const onA = socketFrom(a!.wsUrl, token, '192.0.2.1')
    const onB = socketFrom(b!.wsUrl, token, '192.0.2.2')
    await Promise.all([onA, onB].map((client) => client.next((f) => f.type === 'auth.ok')))
    onA.send({ type: 'message.send', threadId: threads[0], clientMsgId: 'r1', text: '[endless] r1' })
    await onA.next((f) => f.type === 'run.started')
    onB.send({ type: 'message.send', threadId: threads[1], clientMsgId: 'r2', text: '[endless] r2' })
    await onB.next((f) => f.type === 'run.started')
    onA.send({ type: 'message.send', threadId: threads[2], clientMsgId: 'r3', text: '[endless] r3' })
    expect(await onA.next((f) => f.ref === 'r3')).toMatchObject({ type: 'error', code: 'TOO_MANY_RUNS' })
    onB.send({ type: 'message.send', threadId: threads[2], clientMsgId: 'r4', text: '[endless] r4' })
    expect(await onB.next((f) => f.ref === 'r4')).toMatchObject({ type: 'error', code: 'TOO_MANY_RUNS' })
    await closeAll([onA, onB])
  }, 60_000)

  it("a SIGKILLed instance's sockets stop counting once its liveness key expires", async () => {
    const [a, b] = instances
    const token = await auth.mint()
    for (const address of ['192.0.2.10', '192.0.2.11', '192.0.2.12']) {
      const client = socketFrom(a!.wsUrl, token, address)
      await client.next((f) => f.type === 'auth.ok')
    }
    a!.child.child.kill('SIGKILL')
    await a!.child.exited
    const killedAtMs = performance.now()
    // At first B still counts A's three sockets (A may merely be slow)…
    const early = socketFrom(b!.wsUrl, token, '192.0.2.13')
    expect(await early.next((f) => f.type === 'error')).toMatchObject({ code: 'TOO_MANY_SOCKETS' })
    // …then its key expires (3 heartbeats of 5 s) and they stop counting: the user gets three sockets on B.
    const open: ChatClient[] = []
    await until(
      async () => {
        const client = socketFrom(b!.wsUrl, token, '192.0.2.14')
        const frame = await client.next((f) => f.type === 'auth.ok' || f.type === 'error')
        if (frame.type === 'auth.ok') return open.push(client) > 0
        await client.closed
        return false
      },
      60_000,
      1_000,
    )
    console.log(
      `a SIGKILLed instance's sockets stopped counting after ${Math.round(performance.now() - killedAtMs)} ms`,
    )
    for (let i = 0; i < 2; i++) {
      const client = socketFrom(b!.wsUrl, token, '192.0.2.15')
      await client.next((f) => f.type === 'auth.ok')
      open.push(client)
    }
    await closeAll(open)
  }, 120_000)
})

describe('without Redis (in-process backend)', () => {
  it('says at startup that the caps hold per instance', async () => {
    const ownDb = await createTestDatabase('backend_caps_local')
    const lines: string[] = []
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const backend = await startBackend({
      databaseUrl: ownDb.url,
      authUrl: auth.url,
      options: { logger: createLogger({ name: 'backend', level: 'info', destination }) },
    })
    try {
      expect(lines.join('')).toMatch(/"event":"caps\.scope","scope":"instance".*hold per instance/)
    } finally {
      await backend.stop()
      await ownDb.drop()
    }
  }, 60_000)
})

describe('Redis unreachable at run time (in-process backend, private redis-server)', () => {
  it('falls back to counting on the instance: the cap still holds, logged and counted in /metrics', async () => {
    const ownRedis = await startTestRedis()
    const ownDb = await createTestDatabase('backend_caps_fallback')
    const lines: string[] = []
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const backend = await startBackend({
      databaseUrl: ownDb.url,
      authUrl: auth.url,
      env: { REDIS_URL: ownRedis.url, WS_MAX_SOCKETS_PER_USER: '2' },
      options: { logger: createLogger({ name: 'backend', level: 'info', destination }) },
    })
    try {
      expect(lines.join('')).toContain('"scope":"fleet"')
      await ownRedis.kill()
      const token = await auth.mint()
      const open: ChatClient[] = []
      for (let i = 0; i < 2; i++) {
        const client = await ChatClient.withSubprotocol(backend.wsUrl, token)
        await client.next((f) => f.type === 'auth.ok')
        open.push(client)
      }
      const third = await ChatClient.withSubprotocol(backend.wsUrl, token)
      expect(await third.next((f) => f.type === 'error')).toMatchObject({ code: 'TOO_MANY_SOCKETS' })
      expect(lines.join('')).toMatch(/"event":"caps\.fallback".*caps are counted per instance/)
      const metrics = await (await fetch(`${backend.url}/metrics`)).text()
      expect(metrics).toMatch(/tarmac_backend_caps_fallback_total\{cap="sockets-per-user"\} [1-9]/)
      expect(metrics).toMatch(/tarmac_backend_caps_fleet_wide 0/)
      await closeAll(open)
    } finally {
      await backend.stop()
      await ownRedis.stop()
      await ownDb.drop()
    }
  }, 120_000)
})
