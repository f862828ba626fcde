import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestDatabase,
  getFreePort,
  startTestRedis,
  until,
  type TestDatabase,
  type TestRedis,
} from '@tarmac/testing'

// Two real auth processes on one Postgres and one Redis of this file's own (the outage test stops it).
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

interface AuthProcess {
  readonly child: ChildProcess
  readonly baseUrl: string
  /** Everything it logged (JSON lines). */
  readonly log: () => string
}

async function startAuthProcess(env: Record<string, string>): Promise<AuthProcess> {
  const port = await getFreePort()
  const base = { ...process.env }
  for (const key of Object.keys(base)) {
    if (
      /^(DATABASE_URL|REDIS_URL|PORT|HEALTH_TOKEN|TRUST_PROXY|TARMAC_DATA_DIR)$/.test(key) ||
      key.startsWith('RATE_')
    )
      delete base[key]
  }
  const child = spawn(process.execPath, ['--conditions=@tarmac/source', '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: 'info', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const baseUrl = `http://127.0.0.1:${port}`
  await until(
    async () =>
      (await fetch(`${baseUrl}/health/ready`).then(
        (r) => r.status,
        () => 0,
      )) === 200,
    90_000,
    250,
  ).catch((error: unknown) => {
    child.kill('SIGKILL')
    throw new Error(`auth did not get ready: ${output.slice(-2_000)}`, { cause: error })
  })
  return { child, baseUrl, log: () => output }
}

async function stopProcess(auth: AuthProcess | undefined): Promise<void> {
  if (!auth || auth.child.exitCode !== null) return
  const exited = new Promise((resolve) => auth.child.once('exit', resolve))
  auth.child.kill('SIGTERM')
  await exited
}

const post = async (auth: AuthProcess, path: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(auth.baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  await response.arrayBuffer()
  return response.status
}

let db: TestDatabase
let redis: TestRedis
let a: AuthProcess
let b: AuthProcess
beforeAll(async () => {
  ;[db, redis] = await Promise.all([createTestDatabase('auth_fleet'), startTestRedis()])
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    RATE_LIMIT_PER_ACCOUNT: '5',
    RATE_LIMIT_PER_IP: '20',
    RATE_LIMIT_WINDOW_MS: '600000',
    DB_FLEET_SIZE: '2',
  }
  // One after the other: both run the migrations otherwise, and the lock makes the second wait anyway.
  a = await startAuthProcess(env)
  b = await startAuthProcess(env)
}, 240_000)
afterAll(async () => {
  await Promise.all([stopProcess(a), stopProcess(b)])
  await redis?.stop()
  await db?.drop()
})

let accounts = 0
const newEmail = () => `fleet${++accounts}.${Date.now()}@example.com`

describe('rate limits across two auth instances sharing Redis', () => {
  it('says at startup that its limits are shared through Redis', () => {
    for (const auth of [a, b])
      expect(auth.log()).toContain('rate limits: shared by every auth instance through Redis')
  })

  it('answers 429 from the 6th of 12 wrong guesses for one account alternating between instances (limit 5)', async () => {
    const email = newEmail()
    expect(
      await post(a, '/auth/signup', { email, password: 'correct horse battery', displayName: 'Fleet' }),
    ).toBe(201)
    const statuses: number[] = []
    for (let guess = 0; guess < 12; guess++) {
      // Each guess from its own address, so only the per-account limit can answer 429.
      statuses.push(
        await post(
          guess % 2 === 0 ? a : b,
          '/auth/login',
          { email, password: `wrong guess ${guess}` },
          {
            'x-forwarded-for': `198.51.100.${guess + 1}`,
          },
        ),
      )
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429])
  })

  it('counts 40 addresses of one /64 against one per-IP budget (limit 20), whichever instance they reach', async () => {
    const statuses: number[] = []
    for (let i = 1; i <= 40; i++) {
      const status = await post(
        i % 2 === 0 ? a : b,
        '/auth/login',
        { email: newEmail(), password: 'not the password' },
        { 'x-forwarded-for': `2001:db8:0:1::${i.toString(16)}` }, // through the trusted (loopback) proxy
      )
      statuses.push(status)
    }
    expect(statuses.slice(0, 20)).toEqual(Array<number>(20).fill(401))
    expect(statuses.slice(20)).toEqual(Array<number>(20).fill(429))
    // The next /64 is another client.
    expect(
      await post(
        a,
        '/auth/login',
        { email: newEmail(), password: 'not the password' },
        {
          'x-forwarded-for': '2001:db8:0:2::1',
        },
      ),
    ).toBe(401)
  })

  it('falls back to limits in each instance when Redis goes away, says so, and shares again once it is back', async () => {
    await redis.kill()
    const email = newEmail()
    const statuses: number[] = []
    for (let guess = 0; guess < 7; guess++) {
      statuses.push(
        await post(
          a,
          '/auth/login',
          { email, password: `wrong ${guess}` },
          { 'x-forwarded-for': `203.0.113.${guess + 1}` },
        ),
      )
    }
    // Never open: the instance still enforces the per-account limit on its own.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429])
    expect(a.log()).toContain('"event":"rateLimit.fallback"')
    const metrics = await fetch(`${a.baseUrl}/metrics`).then((r) => r.text())
    expect(metrics).toMatch(/^tarmac_auth_rate_limit_store\{store="local"\} 1$/m)
    expect(
      Number(/^tarmac_auth_rate_limit_fallback_hits_total (\d+)$/m.exec(metrics)?.[1]),
    ).toBeGreaterThanOrEqual(7)

    await redis.restart()
    // ioredis reconnects by itself (retries every ≤ 2 s); the next hit that reaches Redis switches back.
    await until(
      async () => {
        await post(
          a,
          '/auth/login',
          { email: newEmail(), password: 'x'.repeat(12) },
          {
            'x-forwarded-for': '192.0.2.1',
          },
        )
        return a.log().includes('"event":"rateLimit.shared"')
      },
      30_000,
      500,
    )
    const after = await fetch(`${a.baseUrl}/metrics`).then((r) => r.text())
    expect(after).toMatch(/^tarmac_auth_rate_limit_store\{store="redis"\} 1$/m)
  })
})
