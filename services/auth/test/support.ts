import { afterAll } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { createAuthService, loadAuthConfig, type AuthService } from '../src/index.js'

export interface RunningAuth {
  readonly service: AuthService
  readonly baseUrl: string
  readonly db: TestDatabase
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Answer>
  get(path: string, headers?: Record<string, string>): Promise<Answer>
  stop(): Promise<void>
}

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: AnswerBody
}

/** The union of the service's response shapes, loosely: tests read whichever fields the route answers. */
export interface AnswerBody {
  code: string
  message: string
  accessToken: string
  refreshToken: string
  expiresIn: number
  user: { id: string; email: string; displayName: string }
  keys: { kid: string; [key: string]: unknown }[]
  createdAt: string
  [key: string]: unknown
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text()
  let body = text as unknown as AnswerBody
  try {
    body = (text ? JSON.parse(text) : undefined) as AnswerBody
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body }
}

/**
 * Starts the whole service in-process on its own database (real Postgres, real HTTP on a free port), and stops
 * it and drops the database after the file. `env` overrides the test defaults.
 */
export async function startAuth(
  env: Record<string, string> = {},
  options: { db?: TestDatabase; databaseUrl?: string; manualStop?: boolean } = {},
): Promise<RunningAuth> {
  const db = options.db ?? (await createTestDatabase('auth'))
  const config = loadAuthConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl ?? db.url,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    RATE_LIMIT_PER_IP: '1000',
    RATE_LIMIT_PER_ACCOUNT: '1000',
    ...env,
  })
  const service = await createAuthService(config)
  await service.startup.run()
  const address = service.app.server.address()
  if (typeof address !== 'object' || !address) throw new Error('not listening')
  const baseUrl = `http://127.0.0.1:${address.port}`
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await service.startup.shutdown('test')
    if (!options.db) await db.drop()
  }
  if (!options.manualStop) afterAll(stop)
  return {
    service,
    baseUrl,
    db,
    stop,
    post: async (path, body, headers = {}) =>
      answer(
        await fetch(baseUrl + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    get: async (path, headers = {}) => answer(await fetch(baseUrl + path, { headers })),
  }
}

let counter = 0
/** A fresh, valid signup body. */
export function newAccount(
  overrides: Partial<{ email: string; password: string; displayName: string }> = {},
) {
  counter++
  return {
    email: `user${counter}.${Date.now()}@example.com`,
    password: 'correct horse battery staple',
    displayName: `User ${counter}`,
    ...overrides,
  }
}
