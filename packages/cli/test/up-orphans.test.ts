import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getFreePort } from '@tarmac/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ORPHAN_BOUND_MS } from '../src/up/parent-watch.js'
import {
  descendantsOf,
  startCli,
  stopCli,
  waitUntilGone,
  type CliRun,
  type ProcessIdentity,
} from './cli-process.js'

// Issue 21: `tarmac up` SIGKILLed once its services were ready left auth and backend running with parent pid 1,
// forever (a service whose stdout reader died hung in its exit), and the redis-server `up --backends N` starts
// lived on too. Here the real binary runs the form the checkout has (dist/ when built, else the sources through
// tsx) on the embedded database — which dies with `up` — and every process it started must be gone after the kill.

let dir: string
let up: CliRun | undefined
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tarmac-orphans-'))
})
afterEach(() => stopCli(up), 30_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `tarmac up` as `npm start` runs it: the services log at info, the default (lines are in flight at any time). */
function startUp(args: readonly string[]): CliRun {
  return startCli(['up', ...args], { env: { LOG_LEVEL: 'info' } })
}

async function portsArg(): Promise<string[]> {
  return [
    '--ports',
    `auth=${await getFreePort()},backend=${await getFreePort()},frontend=${await getFreePort()}`,
  ]
}

/** SIGKILLs `up` and waits, with a generous deadline, for everything it had started to be gone. */
async function killUp(run: CliRun, started: readonly ProcessIdentity[]): Promise<ProcessIdentity[]> {
  run.child.kill('SIGKILL')
  await run.closed
  // The bound is ORPHAN_BOUND_MS after the kill; the deadline is far past it (a loaded machine is slow).
  const { left, waitedMs } = await waitUntilGone(started, 6 * ORPHAN_BOUND_MS)
  console.log(`${started.length} processes; gone ${waitedMs} ms after the kill (bound ${ORPHAN_BOUND_MS} ms)`)
  for (const orphan of left) process.kill(orphan.pid, 'SIGKILL') // the test cleans up what it finds
  return left
}

describe('SIGKILL of `tarmac up` leaves nothing it started running (the real binary, embedded database)', () => {
  it('once every service is ready', async () => {
    up = startUp(['--only', 'auth,backend', '--data-dir', join(dir, 'ready'), ...(await portsArg())])
    await up.waitFor(/Ctrl-C to stop/, 300_000)
    const started = descendantsOf(up.child.pid!)
    expect(started.filter((p) => /services\/(auth|backend)\//.test(p.cmdline))).toHaveLength(2)
    expect((await killUp(up, started)).map((p) => p.cmdline)).toEqual([])
  }, 420_000)

  it('while a service is starting', async () => {
    // No auth: the backend retries fetching its JWKS (a critical dependency) until its deadline, so it is
    // certainly still starting when `up` dies.
    up = startUp(['--only', 'backend', '--data-dir', join(dir, 'starting'), ...(await portsArg())])
    await up.waitFor(/backend\s+│ .*dependencies/, 300_000)
    const started = descendantsOf(up.child.pid!)
    expect(started.filter((p) => /services\/backend\//.test(p.cmdline))).toHaveLength(1)
    expect(up.output()).not.toMatch(/Ctrl-C to stop/)
    expect((await killUp(up, started)).map((p) => p.cmdline)).toEqual([])
  }, 420_000)

  it('with --backends 2: both backends and the redis-server it started', async () => {
    up = startUp([
      ...['--only', 'auth,backend', '--backends', '2', '--data-dir', join(dir, 'backends')],
      ...(await portsArg()),
    ])
    await up.waitFor(/Ctrl-C to stop/, 300_000)
    const started = descendantsOf(up.child.pid!)
    expect(started.filter((p) => /services\/backend\//.test(p.cmdline))).toHaveLength(2)
    expect(
      // The server itself (its title: `/usr/bin/redis-server 127.0.0.1:port`), not the guard that runs it.
      started.filter((p) => /^\S*redis-server /.test(p.cmdline)),
    ).toHaveLength(1)
    expect((await killUp(up, started)).map((p) => p.cmdline)).toEqual([])
  }, 420_000)
})
