import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase, getFreePort, type TestDatabase } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { childrenOf, startCli, stopCli, type CliRun } from './cli-process.js'

// `tarmac up` supervises its services, through the real binary: the backend child is SIGKILLed, reported as
// killed by SIGKILL (not "code 128"), restarted after a backoff, while auth and the frontend keep answering;
// with --no-restart, the same kill stops everything (exit 1).

const answers = async (url: string) => {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).status
  } catch {
    return 0
  }
}

describe('tarmac up supervises its services (the real binary)', () => {
  let db: TestDatabase
  let publicDir: string
  let up: CliRun | undefined
  const ports = { auth: 0, backend: 0, frontend: 0 }

  beforeAll(async () => {
    db = await createTestDatabase('cli_up_supervise')
    // A stand-in for the built app, so the frontend does not build it first (that is the e2e tests' job).
    publicDir = mkdtempSync(join(tmpdir(), 'tarmac-up-public-'))
    writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>tarmac</title>')
  })

  afterAll(async () => {
    await stopCli(up)
    await db?.drop()
    rmSync(publicDir, { recursive: true, force: true })
  }, 60_000)

  async function startUp(...extra: string[]): Promise<CliRun> {
    Object.assign(ports, {
      auth: await getFreePort(),
      backend: await getFreePort(),
      frontend: await getFreePort(),
    })
    const run = startCli(
      [
        ...['up', '--database-url', db.url, ...extra],
        ...['--ports', `auth=${ports.auth},backend=${ports.backend},frontend=${ports.frontend}`],
      ],
      { env: { PUBLIC_DIR: publicDir, NODE_ENV: 'test' } },
    )
    await run.waitFor(/Ctrl-C to stop/, 240_000)
    return run
  }

  it('restarts a backend killed with SIGKILL, says so truthfully, and keeps auth and frontend up', async () => {
    up = await startUp()
    const backendPid = Number((await up.waitFor(/backend\s+http:\/\/127\.0\.0\.1:\d+\s+\(pid (\d+)\)/))[1])
    expect(childrenOf(up.child.pid!).map((c) => c.pid)).toContain(backendPid)
    process.kill(backendPid, 'SIGKILL')
    await up.waitFor(new RegExp(`backend was killed by SIGKILL \\(pid ${backendPid}\\)`), 10_000)
    expect(up.output()).not.toMatch(/code 128/)
    await up.waitFor(/backend: next restart in \d+(\.\d)? s/, 10_000)
    // While the backend is away and coming back, the others answer.
    expect(await answers(`http://127.0.0.1:${ports.auth}/health/live`)).toBe(200)
    expect(await answers(`http://127.0.0.1:${ports.frontend}/health/live`)).toBe(200)
    const restarted = await up.waitFor(/backend restarted \(pid (\d+), restart 1\), ready in/, 120_000)
    expect(Number(restarted[1])).not.toBe(backendPid)
    expect(await answers(`http://127.0.0.1:${ports.backend}/health/ready`)).toBe(200)
    expect(await answers(`http://127.0.0.1:${ports.auth}/health/ready`)).toBe(200)
    expect(up.child.exitCode).toBeNull()

    // A second crash soon after: counted, with a longer backoff.
    process.kill(Number(restarted[1]), 'SIGKILL')
    await up.waitFor(/backend crashed 2 times in 60 s; next restart in \d+(\.\d)? s/, 10_000)
    await up.waitFor(/backend restarted \(pid \d+, restart 2\)/, 120_000)

    up.child.kill('SIGINT')
    expect((await up.closed).code).toBe(0)
    expect(up.output()).toMatch(/stopped backend, auth, frontend/)
  }, 400_000)

  it('--no-restart: a service that exits stops everything, exit 1', async () => {
    up = await startUp('--no-restart', '--only', 'auth,backend')
    const authPid = Number((await up.waitFor(/auth\s+http:\/\/127\.0\.0\.1:\d+\s+\(pid (\d+)\)/))[1])
    process.kill(authPid, 'SIGKILL')
    const { code } = await up.closed
    expect(code).toBe(1)
    expect(up.output()).toMatch(new RegExp(`auth was killed by SIGKILL \\(pid ${authPid}\\)`))
    expect(up.output()).toMatch(/stopping everything \(--no-restart\)/)
    expect(up.output()).not.toMatch(/next restart/)
  }, 300_000)
})
