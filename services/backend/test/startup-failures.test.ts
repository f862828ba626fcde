import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, getFreePort, type TestDatabase } from '@tarmac/testing'
import { spawnBackend } from './support/child-backend.js'
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'

// Each case runs src/main.ts as a real process with one dependency broken, and expects exit 3 within the
// startup deadline, with the one stderr line naming the phase and the component.
const DEADLINE_MS = 5_000
/** Process start (tsx compiling from source on a busy 2-core machine) on top of the deadline. */
const SLACK_MS = 60_000
const TEST_TIMEOUT_MS = 90_000

let db: TestDatabase
let auth: TestAuth
let fake: FakeOpenAi
let keyed: FakeOpenAi
beforeAll(async () => {
  keyed = await startFakeOpenAi({ apiKey: 'the-right-key' })
  db = await createTestDatabase('backend_failures')
  auth = await startTestAuth()
  fake = await startFakeOpenAi()
  fake.behaviour = () => 'http-error'
})
afterAll(async () => {
  await keyed?.close()
  await fake?.close()
  await auth?.close()
  await db?.drop()
})

/** A port where nothing listens: connections are refused. */
const closedPort = (): Promise<number> => getFreePort()

async function expectStartupFailure(env: Record<string, string>, phase: string, component: string) {
  const child = spawnBackend({
    PORT: String(await getFreePort()),
    DATABASE_URL: db.url,
    AUTH_URL: auth.url,
    STARTUP_DEADLINE_MS: String(DEADLINE_MS),
    ...env,
  })
  const { code, elapsedMs } = await child.exited
  const line = child
    .stderr()
    .split('\n')
    .find((l) => l.startsWith('backend: startup failed'))
  expect(code, child.stderr()).toBe(3)
  expect(line).toContain(`phase "${phase}", component "${component}"`)
  expect(elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS)
  // The engine's own clock: startup gave up under the deadline it was given (plus stopping what had started),
  // far below the 120 s default; generous, because timers fire late on a loaded machine.
  const reportLine = child
    .stderr()
    .split('\n')
    .find((l) => l.startsWith('{"startupReport"'))
  if (reportLine) {
    const report = (JSON.parse(reportLine) as { startupReport: { durationMs: number } }).startupReport
    expect(report.durationMs).toBeLessThan(Number(env.STARTUP_DEADLINE_MS ?? DEADLINE_MS) + 20_000)
  }
  return line!
}

describe('startup failure in each phase → exit 3 naming it', () => {
  it.concurrent(
    'init: bad environment variables are all listed',
    async () => {
      const line = await expectStartupFailure(
        { PORT: 'eighty', LLM_PROVIDER: 'magic', REDIS_URL: 'http://x' },
        'init',
        'config',
      )
      expect(line).toContain('SERVICE_ERR_INVALID_CONFIG')
      for (const variable of ['PORT', 'LLM_PROVIDER', 'REDIS_URL']) expect(line).toContain(variable)
    },
    TEST_TIMEOUT_MS,
  )

  it.concurrent(
    'init: the port is taken',
    async () => {
      const blocker = createServer()
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
      const port = (blocker.address() as { port: number }).port
      try {
        const line = await expectStartupFailure({ PORT: String(port) }, 'init', 'http')
        expect(line).toContain('EADDRINUSE')
      } finally {
        blocker.close()
      }
    },
    TEST_TIMEOUT_MS,
  )

  it.concurrent(
    'dependencies: the auth JWKS is unreachable',
    async () => {
      const line = await expectStartupFailure(
        { AUTH_URL: `http://127.0.0.1:${await closedPort()}` },
        'dependencies',
        'auth-jwks',
      )
      expect(line).toContain('BACKEND_ERR_JWKS_UNAVAILABLE')
      expect(line).toContain('ECONNREFUSED')
    },
    TEST_TIMEOUT_MS,
  )

  it.concurrent(
    'dependencies: the assistant provider is unreachable',
    async () => {
      const env = {
        LLM_PROVIDER: 'openai',
        OPENAI_BASE_URL: `http://127.0.0.1:${await closedPort()}/v1`,
        LLM_MODEL: 'm',
      }
      const line = await expectStartupFailure(env, 'dependencies', 'assistant-provider')
      expect(line).toContain('BACKEND_ERR_PROVIDER_UNAVAILABLE')
      expect(line).toContain('ECONNREFUSED')
    },
    TEST_TIMEOUT_MS,
  )

  it.concurrent(
    'dependencies: the provider rejects the API key → no retries, fails at once',
    async () => {
      const env = {
        LLM_PROVIDER: 'openai',
        OPENAI_BASE_URL: keyed.baseUrl,
        OPENAI_API_KEY: 'a-wrong-key',
        LLM_MODEL: 'm',
        STARTUP_DEADLINE_MS: '60000',
      }
      const line = await expectStartupFailure(env, 'dependencies', 'assistant-provider')
      expect(line).toContain('assistant-provider": BACKEND_ERR_PROVIDER_UNAVAILABLE')
      expect(line).toContain('HTTP 401')
      expect(line).not.toContain('a-wrong-key')
    },
    TEST_TIMEOUT_MS,
  )

  it.concurrent(
    'database: Postgres is unreachable',
    async () => {
      const env = { DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/nothing` }
      const line = await expectStartupFailure(env, 'database', 'postgres')
      expect(line).toContain('PG_ERR_UNREACHABLE')
    },
    TEST_TIMEOUT_MS,
  )

  it.concurrent(
    'cache: Redis is configured but unreachable',
    async () => {
      const line = await expectStartupFailure(
        { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` },
        'cache',
        'redis',
      )
      expect(line).toContain('BACKEND_ERR_REDIS_UNAVAILABLE')
      expect(line).toContain('ECONNREFUSED')
    },
    TEST_TIMEOUT_MS,
  )

  it.concurrent(
    'finalize: the chat round trip fails (provider answers /models but fails completions)',
    async () => {
      const env = { LLM_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-model' }
      const line = await expectStartupFailure(env, 'finalize', 'self-test')
      expect(line).toContain('BACKEND_ERR_SELF_TEST_FAILED')
      expect(line).toContain('PROVIDER_ERROR')
    },
    TEST_TIMEOUT_MS,
  )
})
