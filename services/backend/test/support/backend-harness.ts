import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { loadConfig, type Logger } from '@tarmac/service'
import { createBackend, configSchema, type Backend, type BackendOptions } from '../../src/index.js'
import { startTestAuth, type TestAuth } from './test-auth.js'

export interface RunningBackend {
  readonly backend: Backend
  readonly url: string
  readonly wsUrl: string
  stop(): Promise<void>
}

/** Starts a backend in this process on a free port, against a test database and a test JWKS. */
export async function startBackend(options: {
  databaseUrl: string
  authUrl: string
  env?: Record<string, string>
  options?: BackendOptions & { logger?: Logger }
}): Promise<RunningBackend> {
  const config = loadConfig(configSchema, {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl,
    AUTH_URL: options.authUrl,
    LOG_LEVEL: 'silent',
    STARTUP_DEADLINE_MS: '30000',
    ...options.env,
  })
  const backend = createBackend(config, options.options)
  await backend.run()
  const url = `http://127.0.0.1:${backend.port}`
  return {
    backend,
    url,
    wsUrl: `ws://127.0.0.1:${backend.port}/ws`,
    stop: async () => void (await backend.shutdown('test done')),
  }
}

/** A database, a JWKS and a backend: what most integration test files need. */
export async function startStack(
  prefix: string,
  extra: { env?: Record<string, string>; options?: BackendOptions & { logger?: Logger } } = {},
): Promise<RunningBackend & { auth: TestAuth; db: TestDatabase; close(): Promise<void> }> {
  const db = await createTestDatabase(prefix)
  const auth = await startTestAuth()
  const running = await startBackend({ databaseUrl: db.url, authUrl: auth.url, ...extra })
  return {
    ...running,
    auth,
    db,
    async close() {
      await running.stop()
      await auth.close()
      await db.drop()
    },
  }
}

/** Any answer of the REST API, as tests read it. */
export interface ApiBody {
  code?: string
  message?: string
  id?: string
  title?: string
  createdAt?: string
  items: { id: string; title: string; role: string; text: string; metadata?: Record<string, unknown> }[]
  nextCursor: string | null
}

/** A JSON request with a bearer token; returns status and parsed body. */
export async function api(
  baseUrl: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: ApiBody }> {
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(baseUrl + path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as ApiBody }
}
