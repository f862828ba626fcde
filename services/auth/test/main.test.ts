import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, getFreePort } from '@tarmac/testing'

// The real entry point in a child process: exit codes and stderr lines are the contract (DESIGN.md).
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

interface Run {
  readonly child: ChildProcess
  readonly exited: Promise<{ code: number | null; stderr: string; elapsedMs: number }>
}

function runMain(env: Record<string, string | undefined>): Run {
  const base = { ...process.env }
  for (const key of Object.keys(base)) {
    if (
      /^(DATABASE_URL|PORT|CORS_ORIGINS|HEALTH_TOKEN|TARMAC_DATA_DIR)$/.test(key) ||
      key.endsWith('_MS') ||
      key.endsWith('_S')
    )
      delete base[key]
  }
  const startedAt = Date.now()
  const child = spawn(process.execPath, ['--conditions=@tarmac/source', '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; stderr: string; elapsedMs: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr, elapsedMs: Date.now() - startedAt })),
  )
  return { child, exited }
}

async function waitForReady(port: number, withinMs: number): Promise<void> {
  const startedAt = Date.now()
  while (Date.now() - startedAt < withinMs) {
    const status = await fetch(`http://127.0.0.1:${port}/health/ready`)
      .then((response) => response.status)
      .catch(() => 0)
    if (status === 200) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`not ready within ${withinMs} ms`)
}

const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup()
})

describe('src/main.ts', () => {
  it('exits 3 naming the phase, component and reason when the database is unreachable', async () => {
    const closedPort = await getFreePort()
    const { exited } = runMain({
      PORT: String(await getFreePort()),
      DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${closedPort}/auth`,
      STARTUP_DEADLINE_MS: '3000',
      DB_CONNECT_TIMEOUT_MS: '1000',
    })
    const { code, stderr } = await exited
    expect(code).toBe(3)
    const lines = stderr.trim().split('\n')
    const human = lines.find((line) => line.startsWith('auth: startup failed'))
    expect(human).toMatch(
      /phase "database", component "postgres": (PG_ERR_UNREACHABLE|STARTUP_ERR_DEADLINE_EXCEEDED)/,
    )
    expect(human).toMatch(/refused|unreachable|ECONNREFUSED/i)
    expect(stderr).not.toContain('secret')
    // The startup itself gave up under the 3 s deadline it was given (the process adds module loading on top):
    // the deadline in force is the one set, and the engine's clock is far below the 120 s default — a bound
    // that generous, because timers fire late on a loaded machine.
    const report = JSON.parse(lines.find((line) => line.startsWith('{"startupReport"'))!) as {
      startupReport: { durationMs: number; deadlineMs: number; state: string }
    }
    expect(report.startupReport).toMatchObject({ state: 'failed', deadlineMs: 3000 })
    expect(report.startupReport.durationMs).toBeLessThan(3000 + 20_000)
  })

  it('exits 3 listing every bad variable, without their values', async () => {
    const { exited } = runMain({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://root:hunter2@db/auth',
      ACCESS_TOKEN_TTL_S: '-5',
      CORS_ORIGINS: 'https://ok.example.com,ftp://files.example.com/path',
      LOG_LEVEL: 'loud',
    })
    const { code, stderr } = await exited
    expect(code).toBe(3)
    expect(stderr).toContain('SERVICE_ERR_INVALID_CONFIG')
    for (const variable of ['PORT', 'DATABASE_URL', 'ACCESS_TOKEN_TTL_S', 'CORS_ORIGINS', 'LOG_LEVEL']) {
      expect(stderr).toContain(variable)
    }
    expect(stderr).not.toContain('hunter2')
  })

  it('starts on Postgres, becomes ready, and exits 0 on SIGTERM', async () => {
    const db = await createTestDatabase('auth_main')
    cleanups.push(() => db.drop())
    const port = await getFreePort()
    const { child, exited } = runMain({ PORT: String(port), DATABASE_URL: db.url })
    await waitForReady(port, 45_000)
    const jwks = await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`)
    expect(jwks.status).toBe(200)
    child.kill('SIGTERM')
    expect((await exited).code).toBe(0)
  })

  it('starts on the embedded Postgres when DATABASE_URL is unset', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'auth-embedded-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    const port = await getFreePort()
    const { child, exited } = runMain({ PORT: String(port), TARMAC_DATA_DIR: dataDir })
    try {
      await waitForReady(port, 90_000)
      const signup = await fetch(`http://127.0.0.1:${port}/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: 'embedded@example.com',
          password: 'long enough password',
          displayName: 'E',
        }),
      })
      expect(signup.status).toBe(201)
      const me = await fetch(`http://127.0.0.1:${port}/auth/me`, {
        headers: {
          authorization: `Bearer ${((await signup.json()) as { accessToken: string }).accessToken}`,
        },
      })
      expect(me.status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
    expect((await exited).code).toBe(0)
  }, 120_000)
})
