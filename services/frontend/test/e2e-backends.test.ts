import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { main, type MonitorSnapshot } from '@tarmac/cli'
import { createTestDatabase, freeBackendPort, getFreePort, type TestDatabase } from '@tarmac/testing'
import type { BrowserContext, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StatusBoard } from '../src/status-types.js'
import { buildApp, CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e-support.js'

// `tarmac up --backends 2` for real: auth, two backends and the frontend as child processes (from source) on a
// test database, the Redis that `up` starts for them, and Debian's Chromium with two tabs of one user.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const STACK_FILE = join(ROOT, '.tarmac/stack.yaml')

describe('end to end: two tabs of one user on two backends (tarmac up --backends 2)', () => {
  const publicDir = mkdtempSync(join(tmpdir(), 'tarmac-e2e-many-public-'))
  const userDataDir = mkdtempSync(join(tmpdir(), 'tarmac-e2e-many-chromium-'))
  let db: TestDatabase
  let up: ChildProcess
  let upExit: Promise<number | null>
  let output = ''
  let context: BrowserContext
  let base = ''
  const ports = { auth: 0, backend: 0, frontend: 0 }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH))
      throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium`)
    await buildApp(publicDir)
    db = await createTestDatabase('frontend_e2e_backends')
    Object.assign(ports, {
      auth: await getFreePort(),
      backend: await freeBackendPort(2),
      frontend: await getFreePort(),
    })
    base = `http://127.0.0.1:${ports.frontend}`
    const { REDIS_URL: _none, ...env } = process.env // no Redis given: `up` starts one
    up = spawn(
      process.execPath,
      [
        ...['--conditions=@tarmac/source', '--import', TSX, join(ROOT, 'packages/cli/src/bin.ts')],
        ...['up', '--source', '--backends', '2', '--database-url', db.url],
        ...['--ports', `auth=${ports.auth},backend=${ports.backend},frontend=${ports.frontend}`],
      ],
      {
        cwd: ROOT,
        env: { ...env, NO_COLOR: '1', LOG_LEVEL: 'info', PUBLIC_DIR: publicDir, NODE_ENV: 'test' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    )
    // 'close', not 'exit': the last lines may still be in the pipes when the process exits.
    upExit = new Promise((resolve) => up.once('close', (code) => resolve(code)))
    up.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    up.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const deadline = Date.now() + 240_000
    while (!output.includes('Ctrl-C to stop')) {
      if (up.exitCode !== null || Date.now() > deadline)
        throw new Error(`tarmac up --backends 2 did not get ready:\n${output.slice(-4000)}`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    })
  }, 300_000)

  afterAll(async () => {
    await context?.close()
    if (up && up.exitCode === null) {
      process.kill(-up.pid!, 'SIGINT')
      const timer = setTimeout(() => up.kill('SIGKILL'), 30_000)
      await upExit
      clearTimeout(timer)
    }
    await db?.drop()
    rmSync(publicDir, { recursive: true, force: true })
    rmSync(userDataDir, { recursive: true, force: true })
  }, 60_000)

  it('starts Redis and two backends, and shows each instance on the status board and in the monitor', async () => {
    expect(output).toMatch(/redis\s+│ listening on redis:\/\/127\.0\.0\.1:\d+ \(started for --backends 2\)/)
    expect(output).toContain(`backend-1 http://127.0.0.1:${ports.backend}`)
    expect(output).toContain(`backend-2 http://127.0.0.1:${ports.backend + 10}`)
    const readBoard = async () => (await (await fetch(`${base}/status/services`)).json()) as StatusBoard
    const board = await readBoard()
    expect(board.services.map((s) => s.name)).toEqual(['frontend', 'backend-1', 'backend-2', 'auth'])
    // warn is a passing non-critical check (capacity on a busy shared Postgres): up, not down. On a loaded
    // machine one read may time out (the board waits 2 s per service), so the board gets a few reads, and what
    // it says of a service that stays down is the failure message.
    const down = (seen: StatusBoard) =>
      seen.services
        .filter((s) => s.status === 'fail')
        .map((s) => `${s.name}: ${s.fault?.summary ?? 'fail'} (${s.fault?.evidence.join('; ') ?? ''})`)
    await expect.poll(async () => down(await readBoard()), { timeout: 20_000, interval: 1_500 }).toEqual([])
    expect(readFileSync(STACK_FILE, 'utf8')).toContain('backend-2:')
    let json = ''
    const io = {
      stdout: { write: (text: string) => (json += text) },
      stderr: { write: () => true },
      env: {},
      cwd: ROOT,
    }
    expect(await main(['monitor', '--once', '--json', '--config', STACK_FILE], io)).toBe(0)
    const targets = (JSON.parse(json) as MonitorSnapshot).targets
    for (const name of ['backend-1', 'backend-2', 'auth', 'frontend'])
      expect(targets.filter((t) => t.target.startsWith(`${name} `)).map((t) => t.status)).toContain('up')
  }, 60_000)

  it('streams one reply to both tabs, each on its own backend, through Redis', async () => {
    const openSocket = (page: Page) =>
      new Promise<void>((resolve) =>
        page.on('websocket', (socket) => socket.on('framereceived', () => resolve())),
      )
    const outputFrom = output.length // this test's tunnels only, whatever ran before it
    const tunnelled = () => output.slice(outputFrom)
    const first = await context.newPage()
    const firstSocket = openSocket(first)
    await first.goto(`${base}/signup`)
    await first.getByLabel('Display name').fill('Grace')
    await first.getByLabel('Email').fill(`grace.${Date.now()}@example.com`)
    await first.getByLabel('Password').fill('correct horse battery staple')
    await first.getByRole('button', { name: 'Sign up' }).click()
    await first.waitForURL(`${base}/chat`)
    await first.getByRole('button', { name: 'New thread' }).click()
    await first.waitForURL(/\/chat\/[^/]+$/)
    await firstSocket
    // The same user (same browser profile), the same thread, a second tab: the next upgrade, the other backend.
    const second = await context.newPage()
    const secondSocket = openSocket(second)
    await second.goto(first.url())
    await secondSocket
    await expect
      .poll(() => (tunnelled().match(/websocket tunnelled/g) ?? []).length, { timeout: 10_000 })
      .toBe(2)
    const upstreams = [...tunnelled().matchAll(/websocket tunnelled .*upstream=127\.0\.0\.1:(\d+)/g)].map(
      (m) => Number(m[1]),
    )
    expect(upstreams.sort()).toEqual([ports.backend, ports.backend + 10])

    await first.getByLabel('Message').fill('What is the status of the platform?')
    await first.getByLabel('Message').press('Enter')
    const replies = [first, second].map((page) =>
      page.locator('li.message.assistant[data-status="complete"]').first(),
    )
    for (const reply of replies) await reply.waitFor({ timeout: 30_000 })
    const [mine, theirs] = await Promise.all(replies.map((reply) => reply.innerText()))
    expect(mine!.length).toBeGreaterThan(20)
    expect(theirs).toBe(mine)
  }, 120_000)

  it('stops everything on Ctrl-C, Redis and the stack file included', async () => {
    process.kill(-up.pid!, 'SIGINT')
    expect(await upExit).toBe(0)
    expect(output).toMatch(/stopped backend-2, backend-1, auth, frontend, redis/)
    expect(existsSync(STACK_FILE)).toBe(false)
  }, 60_000)
})
