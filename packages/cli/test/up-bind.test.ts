import { execFileSync } from 'node:child_process'
import { createTestDatabase, getFreePort, type TestDatabase } from '@tarmac/testing'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, stopCli, type CliRun } from './cli-process.js'

// `tarmac up` binds its services to loopback (a local stack has no health token), and opens them only when told.

/** The local addresses listening on a TCP port, as `ss` sees them (`127.0.0.1`, `0.0.0.0`, `*`…). */
function listenersOn(port: number): string[] {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/)[3]!.replace(/:\d+$/, ''))
}

describe('tarmac up binds to loopback (the real binary)', () => {
  let db: TestDatabase
  let publicDir: string
  let up: CliRun | undefined

  beforeAll(async () => {
    db = await createTestDatabase('cli_up_bind')
    publicDir = mkdtempSync(join(tmpdir(), 'tarmac-up-public-'))
    writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>tarmac</title>')
  })
  afterAll(async () => {
    await stopCli(up)
    await db?.drop()
    rmSync(publicDir, { recursive: true, force: true })
  }, 60_000)

  async function frontendListeners(...extra: string[]): Promise<{ addresses: string[]; output: string }> {
    const port = await getFreePort()
    up = startCli(
      ['up', '--only', 'frontend', '--database-url', db.url, '--ports', `frontend=${port}`, ...extra],
      {
        env: { PUBLIC_DIR: publicDir, NODE_ENV: 'test', HOST: '0.0.0.0' },
      },
    )
    await up.waitFor(/Ctrl-C to stop/, 240_000)
    const addresses = listenersOn(port)
    const output = up.output()
    up.child.kill('SIGINT')
    expect((await up.closed).code).toBe(0)
    up = undefined
    return { addresses, output }
  }

  it('listens on 127.0.0.1 by default, even with HOST=0.0.0.0 in the environment', async () => {
    const { addresses, output } = await frontendListeners()
    expect(addresses).toEqual(['127.0.0.1'])
    expect(output).not.toMatch(/reachable from the network/)
  }, 300_000)

  it('--host 0.0.0.0 opens every interface, and says so', async () => {
    const { addresses, output } = await frontendListeners('--host', '0.0.0.0')
    expect(addresses).toEqual(['0.0.0.0'])
    expect(output).toMatch(/services listen on 0\.0\.0\.0: reachable from the network/)
  }, 300_000)

  it('--host takes an IP address', async () => {
    up = startCli(['up', '--only', 'frontend', '--database-url', db.url, '--host', 'evil.example'])
    const closed = await up.closed
    up = undefined
    expect(closed.code).toBe(2)
  }, 60_000)
})
