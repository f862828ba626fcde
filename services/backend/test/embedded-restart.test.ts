import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@tarmac/postgres'
import { getFreePort, seededRandom, until } from '@tarmac/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { api } from './support/backend-harness.js'
import { spawnBackend, type ChildBackend } from './support/child-backend.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'
import { ChatClient } from './support/ws-client.js'

// Issue 21: under `tarmac up` the backend's DATABASE_URL names the embedded server, so it used named prepared
// statements there — which live in the ONE session every client shares. Killed with SIGKILL and started again,
// it failed its self-test with `42P05 prepared statement "chat_get_thread" already exists`, forever; two
// backends on one embedded server collided the same way. Real processes here, on a real embedded server.

let folder: string
let db: EmbeddedPostgres
let auth: TestAuth
const running = new Set<ChildBackend>()

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'backend-embedded-restart-'))
  db = await startEmbeddedPostgres({ dataDir: join(folder, 'pgdata') })
  auth = await startTestAuth()
}, 120_000)
afterEach(async () => {
  for (const backend of running) backend.child.kill('SIGKILL')
  await Promise.all([...running].map((backend) => backend.exited))
  running.clear()
})
afterAll(async () => {
  await auth?.close()
  await db?.close()
  await rm(folder, { recursive: true, force: true })
})

/** A backend process (from its sources) on the embedded server, as `tarmac up` starts it. */
async function startOnEmbedded(): Promise<{ backend: ChildBackend; url: string }> {
  const port = await getFreePort()
  const backend = spawnBackend({ PORT: String(port), DATABASE_URL: db.url, AUTH_URL: auth.url })
  running.add(backend)
  return { backend, url: `http://127.0.0.1:${port}` }
}

async function ready(backend: ChildBackend): Promise<void> {
  await backend.waitForOutput(/backend ready on/, 120_000)
}

async function kill(backend: ChildBackend): Promise<void> {
  backend.child.kill('SIGKILL')
  await backend.exited
  running.delete(backend)
}

/** One chat round trip through the backend's WebSocket: the reply completes. */
async function chats(url: string): Promise<string> {
  const token = await auth.mint()
  const threadId = (await api(url, token, 'POST', '/api/threads')).body.id!
  const client = await ChatClient.withSubprotocol(`${url.replace('http', 'ws')}/ws`, token)
  try {
    client.send({ type: 'message.send', threadId, clientMsgId: 'after-restart', text: 'hello' })
    const ack = await client.next((f) => f.type === 'message.ack')
    const started = await client.next((f) => f.type === 'run.started' && f.replyTo === ack.messageId)
    const frames = await client.run(started.runId!)
    return frames.at(-1)!.type
  } finally {
    client.close()
  }
}

/** REST traffic from `users` users at once, until `stop` fires: threads created, listed, read. */
async function traffic(url: string, users: number, stop: AbortSignal): Promise<number> {
  let requests = 0
  await Promise.all(
    Array.from({ length: users }, async () => {
      const token = await auth.mint()
      while (!stop.aborted) {
        const created = await api(url, token, 'POST', '/api/threads').catch(() => undefined)
        const id = created?.body.id
        if (id) await api(url, token, 'GET', `/api/threads/${id}/messages`).catch(() => undefined)
        await api(url, token, 'GET', '/api/threads').catch(() => undefined)
        requests += 3
      }
    }),
  )
  return requests
}

const CLEAN = { prepared: [], settings: [], advisoryLocks: [] }

/**
 * Waits until the shared session is as a new one would be (the server clears a killed client's state once it
 * has seen its sockets close); resolves with what it last saw.
 */
async function sessionOnceCleared() {
  let seen = await sharedSession()
  await until(
    async () => {
      seen = await sharedSession()
      return JSON.stringify(seen) === JSON.stringify(CLEAN)
    },
    15_000,
    250,
  ).catch(() => undefined)
  return seen
}

/** What every client of the embedded server shares, as a new client sees it. */
async function sharedSession() {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    const names = async (sql: string) => (await client.query<{ name: string }>(sql)).rows.map((r) => r.name)
    return {
      prepared: await names('select name from pg_prepared_statements'),
      settings: await names("select name from pg_settings where source = 'session'"),
      advisoryLocks: await names("select objid::text as name from pg_locks where locktype = 'advisory'"),
    }
  } finally {
    await client.end()
  }
}

describe('a backend on the embedded server, SIGKILLed, starts again (real processes)', () => {
  it('killed mid-traffic: the next process is ready and chats, and left nothing in the session', async () => {
    const first = await startOnEmbedded()
    await ready(first.backend)
    const stop = new AbortController()
    const load = traffic(first.url, 4, stop.signal)
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await kill(first.backend)
    stop.abort()
    expect(await load).toBeGreaterThan(0)
    expect(await sessionOnceCleared()).toEqual(CLEAN)

    const second = await startOnEmbedded()
    await ready(second.backend)
    expect(await chats(second.url)).toBe('run.completed')
    // It runs no named statement there at all: nothing a kill could leave.
    expect((await sharedSession()).prepared).toEqual([])
  }, 300_000)

  it('killed at 3 random points of its startup: each next start is ready', async () => {
    const random = seededRandom(2_121)
    for (let round = 0; round < 3; round++) {
      const doomed = await startOnEmbedded()
      // Killed once it is in its startup phases (a few seconds of them here), at a random point.
      await doomed.backend.waitForOutput(/phase\.started/, 120_000)
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 1_500)))
      await kill(doomed.backend)
      const next = await startOnEmbedded()
      await ready(next.backend)
      await kill(next.backend)
    }
    expect(await sessionOnceCleared()).toEqual(CLEAN)
  }, 600_000)

  it('two backends on one embedded server: both ready, both chat, and either restarts after SIGKILL', async () => {
    const one = await startOnEmbedded()
    const two = await startOnEmbedded()
    await Promise.all([ready(one.backend), ready(two.backend)])
    expect(await chats(one.url)).toBe('run.completed')
    expect(await chats(two.url)).toBe('run.completed')

    await kill(one.backend)
    const again = await startOnEmbedded()
    await ready(again.backend)
    expect(await chats(again.url)).toBe('run.completed')
    expect(await chats(two.url)).toBe('run.completed')
    expect((await sharedSession()).prepared).toEqual([])
  }, 300_000)
})
