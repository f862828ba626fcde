import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { startFakeOpenAi, type FakeOpenAi } from '../../services/backend/test/support/fake-openai.js'
import {
  startAllReady,
  startBuiltService,
  startedBeforeAll,
  stopBuiltServices,
  type BuiltService,
} from './support/built-service.js'
import { api, createThread, openChat, roundTrip, signUp } from './support/chat.js'

// The modules a backend bundle loads only when its configuration asks for them, each from the build: the
// OpenAI-compatible provider (against a fake of the remote API: the one thing that cannot exist here) and the
// embedded database (PGlite over the wire protocol, when DATABASE_URL is unset). Both backends and the auth they
// verify tokens with start side by side, as `npm start -w` starts them; each test waits only for what it uses.
const databases: TestDatabase[] = []
const dataDir = mkdtempSync(join(tmpdir(), 'tarmac-artefacts-embedded-'))
let fake: FakeOpenAi | undefined

const embeddedBackend = (authUrl: string) =>
  startBuiltService('backend', {
    form: 'npm-start',
    name: 'backend (embedded)',
    env: { AUTH_URL: authUrl, TARMAC_DATA_DIR: dataDir },
  })

const stack = startedBeforeAll(async () => {
  const [authDb, backendDb] = await Promise.all([
    createTestDatabase('artefacts_modules_auth'),
    createTestDatabase('artefacts_modules_openai'),
  ])
  databases.push(authDb, backendDb)
  const openAi = await startFakeOpenAi({ apiKey: 'sk-artefact' })
  openAi.behaviour = (text) => (text.includes('[http-error]') ? 'http-error' : 'stream')
  fake = openAi
  const authStart = startBuiltService('auth', { form: 'npm-start', env: { DATABASE_URL: authDb.url } })
  const authUrl = (await authStart).url
  const openAiStart = startBuiltService('backend', {
    form: 'npm-start',
    name: 'backend (openai)',
    env: {
      DATABASE_URL: backendDb.url,
      AUTH_URL: authUrl,
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: openAi.baseUrl,
      OPENAI_API_KEY: 'sk-artefact',
      LLM_MODEL: 'fake-model',
    },
  })
  const embeddedStart = embeddedBackend(authUrl)
  const [auth] = await startAllReady([authStart])
  // Each backend's own readiness, awaited by the tests that use it: one failing does not fail the other's.
  const ready = (start: Promise<BuiltService>) => startAllReady([start]).then(([backend]) => backend!)
  const backends = { openAi: ready(openAiStart), embedded: ready(embeddedStart) }
  for (const backend of Object.values(backends)) backend.catch(() => undefined)
  // `embedded` is the one running now: a test that replaces it says so here.
  return { auth: auth!, fake: openAi, ...backends }
})

afterAll(async () => {
  await stopBuiltServices()
  await fake?.close()
  for (const database of databases) await database.drop()
  rmSync(dataDir, { recursive: true, force: true })
}, 60_000)

describe('the OpenAI-compatible provider from the bundle (a fake of the remote API)', () => {
  it('passed its finalize round trip through the fake, and streams a reply from it', async () => {
    const { auth, fake, openAi } = await stack()
    const backend = await openAi
    expect(fake.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'status' })
    const token = await signUp(auth.url)
    const chat = await openChat(backend.url, token)
    const { completed, frames } = await roundTrip(
      chat,
      await createThread(backend.url, token),
      'hello there model',
    )
    chat.close()
    const deltas = frames.filter((f) => f.type === 'run.delta').map((f) => f.delta)
    expect(deltas.join('')).toBe('Echo: hello there model')
    expect(completed.metadata).toMatchObject({ provider: 'openai', model: 'fake-model', offline: false })
    expect(fake.requests.at(-1)).toMatchObject({ model: 'fake-model', stream: true })
  }, 300_000)

  it('an HTTP error from the provider is run.failed PROVIDER_ERROR, and the backend lives on', async () => {
    const { auth, openAi } = await stack()
    const backend = await openAi
    const token = await signUp(auth.url)
    const threadId = await createThread(backend.url, token)
    const chat = await openChat(backend.url, token)
    chat.send({ type: 'message.send', threadId, clientMsgId: 'boom', text: '[http-error] please' })
    const end = await chat.next((f) => f.type === 'run.completed' || f.type === 'run.failed', 30_000)
    chat.close()
    expect(end).toMatchObject({ type: 'run.failed', code: 'PROVIDER_ERROR' })
    expect(backend.child.exitCode).toBeNull()
  }, 300_000)
})

describe('the embedded database from the bundle (no DATABASE_URL)', () => {
  it('chats on it, and the assistant reports the database as embedded', async () => {
    const { auth, embedded } = await stack()
    const backend = await embedded
    const token = await signUp(auth.url)
    const chat = await openChat(backend.url, token)
    const { completed } = await roundTrip(
      chat,
      await createThread(backend.url, token),
      'Tell me about the database',
    )
    chat.close()
    expect(completed.text).toMatch(/embedded true/)
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(true)
  }, 300_000)

  it('keeps what it stored across a SIGKILL: the next start reuses the data directory', async () => {
    const { auth, embedded } = await stack()
    const killed = await embedded
    const token = await signUp(auth.url)
    const threadId = await createThread(killed.url, token)
    const chat = await openChat(killed.url, token)
    const { ack } = await roundTrip(chat, threadId, 'remember me')
    chat.close()
    killed.child.kill('SIGKILL')
    await killed.exited
    const restarted = startAllReady([embeddedBackend(auth.url)]).then(([backend]) => backend!)
    ;(await stack()).embedded = restarted
    const backend = await restarted
    const { status, body } = await api(backend.url, token, 'GET', `/api/threads/${threadId}/messages`)
    expect(status).toBe(200)
    expect(body.items.map((m) => m.id)).toContain(ack.messageId)
    expect(body.items.map((m) => m.role)).toEqual(['user', 'assistant'])
  }, 300_000)
})
