import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getFreePort } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCli, stopCli, type CliRun } from './cli-process.js'

// Issue 21: `npm start`, then `kill -9` the backend: `tarmac up` restarted it on the embedded database, and every
// restart exited 3 in its self-test (`42P05 prepared statement "chat_get_thread" already exists`) — six crashes a
// minute, never ready again. The real binary, the embedded database, the form the checkout has (dist/ when built,
// else the sources): each service SIGKILLed is ready again after its backoff and its start, once.

const ready = async (url: string) => {
  try {
    return (await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(10_000) })).status
  } catch {
    return 0
  }
}

describe('tarmac up on the embedded database restarts a SIGKILLed service to ready (the real binary)', () => {
  let dir: string
  let up: CliRun | undefined
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarmac-up-restart-'))
  })
  afterAll(async () => {
    await stopCli(up)
    rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  it('the backend, then auth: each is ready again on its first restart, the other up throughout', async () => {
    const ports = { auth: await getFreePort(), backend: await getFreePort(), frontend: await getFreePort() }
    const urls = { auth: `http://127.0.0.1:${ports.auth}`, backend: `http://127.0.0.1:${ports.backend}` }
    up = startCli([
      ...['up', '--only', 'auth,backend', '--data-dir', join(dir, 'pgdata')],
      ...['--ports', `auth=${ports.auth},backend=${ports.backend},frontend=${ports.frontend}`],
    ])
    await up.waitFor(/Ctrl-C to stop/, 300_000)

    for (const service of ['backend', 'auth'] as const) {
      const other = service === 'backend' ? 'auth' : 'backend'
      const pid = Number((await up.waitFor(new RegExp(`${service}\\s+http://\\S+\\s+\\(pid (\\d+)\\)`)))[1])
      process.kill(pid, 'SIGKILL')
      await up.waitFor(new RegExp(`${service} was killed by SIGKILL \\(pid ${pid}\\)`), 30_000)
      // Ready again after the backoff it announced plus its start: the first restart succeeds.
      const restarted = await up.waitFor(
        new RegExp(`${service} restarted \\(pid (\\d+), restart 1\\), ready in`),
        180_000,
      )
      expect(Number(restarted[1])).not.toBe(pid)
      expect(await ready(urls[service])).toBe(200)
      expect(await ready(urls[other])).toBe(200)
    }
    const output = up.output()
    expect(output).not.toMatch(/did not start again|crashed \d+ times|42P05/)
    expect(up.child.exitCode).toBeNull()

    up.child.kill('SIGINT')
    expect((await up.closed).code).toBe(0)
  }, 600_000)
})
