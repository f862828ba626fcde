import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@tarmac/postgres'
import { getFreePort, until } from '@tarmac/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

// Issue 21: the embedded server serves every client from ONE Postgres session, so what a killed client left
// there (statements, a transaction) outlived it. Auth runs transactions (refresh-token rotation, signing keys)
// on it under `tarmac up`; SIGKILLed mid-traffic, the next auth process must start and serve, and two auth
// processes must share one embedded server. Real processes, a real embedded server.
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

interface AuthProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly exited: Promise<void>
}

let folder: string
let db: EmbeddedPostgres
const running = new Set<AuthProcess>()

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'auth-embedded-restart-'))
  db = await startEmbeddedPostgres({ dataDir: join(folder, 'pgdata') })
}, 120_000)
afterEach(async () => {
  for (const auth of running) auth.child.kill('SIGKILL')
  await Promise.all([...running].map((auth) => auth.exited))
  running.clear()
})
afterAll(async () => {
  await db?.close()
  await rm(folder, { recursive: true, force: true })
})

/** Auth from its sources on the embedded server, as `tarmac up` starts it; resolves once ready. */
async function startAuth(): Promise<AuthProcess> {
  const port = await getFreePort()
  const child = spawn(process.execPath, ['--conditions=@tarmac/source', '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      RATE_LIMIT_PER_IP: '100000',
      RATE_LIMIT_PER_ACCOUNT: '100000',
      RATE_LIMIT_REFRESH_PER_IP: '100000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const auth = {
    child,
    url: `http://127.0.0.1:${port}`,
    exited: new Promise<void>((resolve) => child.once('exit', () => resolve())),
  }
  running.add(auth)
  let exitedEarly = false
  void auth.exited.then(() => (exitedEarly = true))
  await until(
    async () => {
      if (exitedEarly) throw new Error(`auth exited before it was ready: ${stderr.slice(-1_500)}`)
      return (await status(`${auth.url}/health/ready`)) === 200
    },
    120_000,
    250,
  )
  return auth
}

async function status(url: string, init?: RequestInit): Promise<number> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(10_000) })
    .then((response) => response.status)
    .catch(() => 0)
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, string> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await response.text()
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, string> }
}

async function kill(auth: AuthProcess): Promise<void> {
  auth.child.kill('SIGKILL')
  await auth.exited
  running.delete(auth)
}

/** A new account, signed up, whose refresh token then rotates: the transactions auth runs. */
async function signUpAndRotate(url: string, rotations: number): Promise<number> {
  const email = `u${Math.random().toString(36).slice(2)}@example.test`
  const signup = await post(`${url}/auth/signup`, {
    email,
    password: 'long enough password',
    displayName: 'U',
  })
  if (signup.status !== 201) return signup.status
  let refreshToken = signup.json.refreshToken
  for (let i = 0; i < rotations; i++) {
    const refreshed = await post(`${url}/auth/refresh`, { refreshToken })
    if (refreshed.status !== 200) return refreshed.status
    refreshToken = refreshed.json.refreshToken
  }
  return 200
}

/** Settings, statements and locks in the shared session, as a new client sees them. */
async function sharedSession() {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    const names = async (sql: string) => (await client.query<{ name: string }>(sql)).rows.map((r) => r.name)
    return {
      prepared: await names('select name from pg_prepared_statements'),
      settings: await names("select name from pg_settings where source = 'session'"),
      inTransaction: (await client.query<{ open: boolean }>('select now() <> statement_timestamp() as open'))
        .rows[0]?.open,
    }
  } finally {
    await client.end()
  }
}

describe('auth on the embedded server, SIGKILLed, starts again (real processes)', () => {
  it('killed mid-traffic (sign-ups and token rotations): the next process is ready and serves', async () => {
    const first = await startAuth()
    const stop = new AbortController()
    let served = 0
    const load = Promise.all(
      Array.from({ length: 3 }, async () => {
        while (!stop.signal.aborted)
          if ((await signUpAndRotate(first.url, 5).catch(() => 0)) === 200) served++
      }),
    )
    await until(() => served > 0, 60_000, 50)
    await kill(first)
    stop.abort()
    await load
    expect(await sharedSession()).toEqual({ prepared: [], settings: [], inTransaction: false })

    const second = await startAuth()
    expect(await signUpAndRotate(second.url, 3)).toBe(200)
  }, 300_000)

  it('two auth processes on one embedded server both serve, and either restarts after SIGKILL', async () => {
    const [one, two] = await Promise.all([startAuth(), startAuth()])
    expect(await signUpAndRotate(one.url, 2)).toBe(200)
    expect(await signUpAndRotate(two.url, 2)).toBe(200)
    await kill(one)
    const again = await startAuth()
    expect(await signUpAndRotate(again.url, 2)).toBe(200)
    expect(await signUpAndRotate(two.url, 2)).toBe(200)
  }, 300_000)
})
