import { randomUUID } from 'node:crypto'
import {
  createTestDatabase,
  startOwnCluster,
  until,
  type OwnCluster,
  type TestDatabase,
} from '@tarmac/testing'
import { afterAll, describe, expect, it } from 'vitest'
import {
  readyStatus,
  startAllReady,
  startBuiltService,
  startedBeforeAll,
  stopBuiltServices,
} from './support/built-service.js'
import { api, createThread, openChat, roundTrip, signUp } from './support/chat.js'

// The fault that matters most at run time, against the built backend as its image runs it: its Postgres dies
// under it and comes back (a private cluster, really stopped and restarted). What must hold through the bundle is
// the fault model — the driver's errors classified as the dependency being unavailable (503 and error frames with
// a code, never a 500 or a hang), readiness following the database — and recovery without a restart.
let cluster: OwnCluster | undefined
let authDb: TestDatabase | undefined

const stack = startedBeforeAll(async () => {
  ;[cluster, authDb] = await Promise.all([
    startOwnCluster({ maxConnections: 30 }),
    createTestDatabase('artefacts_faults'),
  ])
  const authStart = startBuiltService('auth', { form: 'npm-start', env: { DATABASE_URL: authDb.url } })
  const backendStart = startBuiltService('backend', {
    form: 'image',
    env: {
      DATABASE_URL: cluster.url(),
      AUTH_URL: (await authStart).url,
      DB_QUERY_TIMEOUT_MS: '2000',
      DB_ACQUIRE_TIMEOUT_MS: '2000',
    },
  })
  const [auth, backend] = await startAllReady([authStart, backendStart])
  return { auth: auth!, backend: backend!, cluster }
})

afterAll(async () => {
  await stopBuiltServices()
  await cluster?.stop()
  await authDb?.drop()
}, 60_000)

describe('the built backend when its Postgres dies and returns', () => {
  it('answers 503 DEPENDENCY_UNAVAILABLE and error frames while it is down, then recovers without a restart', async () => {
    const { auth, backend, cluster } = await stack()
    const token = await signUp(auth.url)
    const threadId = await createThread(backend.url, token)
    const chat = await openChat(backend.url, token)
    const before = await roundTrip(chat, threadId)

    await cluster.crash()
    await until(async () => (await readyStatus(backend.url)) === 503, 60_000, 250)
    const down = await api(backend.url, token, 'GET', '/api/threads')
    expect(down.status).toBe(503)
    expect(down.body.code).toBe('DEPENDENCY_UNAVAILABLE')
    const clientMsgId = randomUUID()
    chat.send({ type: 'message.send', threadId, clientMsgId, text: 'are you there?' })
    const refused = await chat.next((f) => f.ref === clientMsgId || f.clientMsgId === clientMsgId, 30_000)
    expect(refused).toMatchObject({ type: 'error', code: 'DEPENDENCY_UNAVAILABLE' })

    await cluster.restart()
    await until(async () => (await readyStatus(backend.url)) === 200, 90_000, 250)
    expect((await api(backend.url, token, 'GET', '/api/threads')).status).toBe(200)
    const after = await roundTrip(chat, threadId)
    chat.close()
    const stored = await api(backend.url, token, 'GET', `/api/threads/${threadId}/messages`)
    expect(stored.body.items.map((m) => m.id)).toEqual(
      expect.arrayContaining([before.ack.messageId, before.completed.messageId, after.ack.messageId]),
    )
    expect(backend.child.exitCode).toBeNull()
  }, 400_000)
})
