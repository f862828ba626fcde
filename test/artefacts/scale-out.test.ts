import { createTestDatabase, TEST_REDIS_URL } from '@tarmac/testing'
import { afterAll, describe, expect, it } from 'vitest'
import {
  startAllReady,
  startBuiltService,
  startedBeforeAll,
  stopBuiltServices,
  type BuiltService,
} from './support/built-service.js'
import { maxSizeRecord } from '../../services/frontend/test/max-report.js'
import { createThread, roundTrip, signUp, socketOnEachBackend, type ChatClient } from './support/chat.js'

// Scale-out from the build: two backends as their image runs them (dist/ bundle, NODE_ENV=production) sharing the
// test run's Redis for run events, auth and the frontend as `npm start -w` runs them, the frontend balancing /api
// and /ws across both backends (BACKEND_URLS → undici BalancedPool). The Redis client is one of the modules a
// bundle loads lazily: this is where a bundle that cannot construct it shows.
let dropDatabase: (() => Promise<void>) | undefined
const sockets: ChatClient[] = []

const stack = startedBeforeAll(async () => {
  const db = await createTestDatabase('artefacts_scale_out')
  dropDatabase = () => db.drop()
  const authStart = startBuiltService('auth', { form: 'npm-start', env: { DATABASE_URL: db.url } })
  const authUrl = (await authStart).url
  const backendStarts = [1, 2].map((n) =>
    startBuiltService('backend', {
      form: 'image',
      name: `backend-${n}`,
      env: { DATABASE_URL: db.url, AUTH_URL: authUrl, REDIS_URL: TEST_REDIS_URL, DB_FLEET_SIZE: '2' },
    }),
  )
  const frontendStart = startBuiltService('frontend', {
    form: 'npm-start',
    // info: the tunnel logs which backend each WebSocket went to.
    env: {
      AUTH_URL: authUrl,
      BACKEND_URLS: (await Promise.all(backendStarts)).map((backend) => backend.url).join(','),
      LOG_LEVEL: 'info',
    },
  })
  const [auth, frontend, ...backends] = (await startAllReady([
    authStart,
    frontendStart,
    ...backendStarts,
  ])) as [BuiltService, BuiltService, ...BuiltService[]]
  return { auth, frontend, backends }
})

afterAll(async () => {
  for (const socket of sockets) socket.close()
  await stopBuiltServices()
  await dropDatabase?.()
}, 60_000)

/** A socket through the frontend on each backend: backend port → socket. */
async function socketOnEach(token: string): Promise<Map<number, ChatClient>> {
  const { frontend, backends } = await stack()
  const ports = backends.map((backend) => backend.port)
  const { byPort, opened } = await socketOnEachBackend(frontend.url, token, ports, () => frontend.output())
  sockets.push(...opened)
  return byPort
}

describe('two built backends behind the built frontend, sharing Redis', () => {
  it('a chat round trip through the frontend reaches each backend, with the Redis bus', async () => {
    const { frontend, backends } = await stack()
    const token = await signUp(frontend.url)
    const byPort = await socketOnEach(token)
    expect([...byPort.keys()].sort()).toEqual(backends.map((backend) => backend.port).sort())
    for (const socket of byPort.values()) {
      const threadId = await createThread(frontend.url, token)
      const { ack, completed, frames } = await roundTrip(socket, threadId)
      expect(ack.duplicate).toBe(false)
      expect(frames.filter((f) => f.type === 'run.delta').length).toBeGreaterThan(0)
      expect(completed.text).toContain('Event bus: redis')
    }
  }, 300_000)

  it('fans out: a subscriber on one backend sees the run a message on the other produced', async () => {
    const { frontend } = await stack()
    const token = await signUp(frontend.url)
    const [onA, onB] = [...(await socketOnEach(token)).values()] as [ChatClient, ChatClient]
    const threadId = await createThread(frontend.url, token)
    onA.send({ type: 'thread.subscribe', threadId })
    await onA.next((f) => f.type === 'thread.subscribed' && f.threadId === threadId)
    const sent = await roundTrip(onB, threadId)
    const runId = sent.completed.runId!
    const seenOnA = await onA.next((f) => f.type === 'run.completed' && f.runId === runId, 30_000)
    expect(seenOnA).toEqual(sent.completed)
    const runOnA = await onA.run(runId)
    expect(runOnA[0]).toMatchObject({ type: 'run.started', replyTo: sent.ack.messageId })
  }, 300_000)
})

describe('the built frontend’s cold-start collector', () => {
  // Report bodies are parsed and validated on a worker thread: from dist/ that is the bundle's own entry
  // (report-intake-worker.js), which only a built frontend loads.
  it('takes a maximum-size report through its intake thread, and refuses a body that is not a report', async () => {
    const { frontend } = await stack()
    const post = (body: string) =>
      fetch(`${frontend.url}/startup-reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
    const accepted = await post(JSON.stringify(maxSizeRecord('artefact-svc')))
    expect(accepted.status).toBe(202)
    const refused = await post(JSON.stringify({ service: 'artefact-svc' }))
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ code: 'VALIDATION_FAILED' })
    const page = (await (await fetch(`${frontend.url}/startup-reports?service=artefact-svc`)).json()) as {
      records: { service: string; outcome: string }[]
    }
    expect(page.records).toEqual([expect.objectContaining({ service: 'artefact-svc', outcome: 'failed' })])
  }, 120_000)
})
