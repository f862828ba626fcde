import { afterAll, describe, it } from 'vitest'
import { parentPidOf, stillRunning, waitUntilGone } from '../../packages/cli/test/cli-process.js'
import { ORPHAN_BOUND_MS } from '../../packages/cli/src/up/parent-watch.js'
import { startUp, type UpFrom, type UpStack } from './support/up-stack.js'

// SIGKILL of `tarmac up` itself (the OOM killer, a `kill -9`, a closed CI job): its services run detached, so
// only their parent watch stops them, and the documented bound is ORPHAN_BOUND_MS
// (packages/cli/src/up/parent-watch.ts) — plus a loaded machine's scheduling delay. From the build (`npm start`)
// and from the sources (a fresh clone's `npx tarmac up`); the two run side by side.
const LOADED_MACHINE_SLACK_MS = 5_000
const FROM: readonly UpFrom[] = ['sources', 'build']
const stacks: UpStack[] = []
afterAll(() => Promise.all(stacks.map((stack) => stack.stop())), 60_000)

describe('SIGKILL of tarmac up: no service outlives it by more than the orphan bound', () => {
  for (const from of FROM)
    it.concurrent(
      `from the ${from}`,
      async ({ expect }) => {
        const up = await startUp({ from })
        stacks.push(up)
        const children = up.children()
        expect(children.map((child) => child.name).sort()).toEqual(['auth', 'backend', 'frontend'])
        up.run.child.kill('SIGKILL')
        await up.run.closed
        const { left, waitedMs } = await waitUntilGone(children, ORPHAN_BOUND_MS + LOADED_MACHINE_SLACK_MS)
        const survivors = children
          .filter((child) => left.some((l) => l.pid === child.pid))
          .map((child) => ({ ...child, ppid: parentPidOf(child.pid) }))
        // Never leave them behind for the rest of the run (they hold their ports), whatever the verdict.
        for (const survivor of stillRunning(survivors)) process.kill(survivor.pid, 'SIGKILL')
        expect(
          survivors.map(
            (s) =>
              `${s.name} (pid ${s.pid}, parent pid now ${s.ppid}) still running ${(waitedMs / 1000).toFixed(1)} s after tarmac up was SIGKILLed: ${s.cmdline.replace(/data:\S+/, 'data:…(parent watch)')}`,
          ),
          `every service stopped within ORPHAN_BOUND_MS (${ORPHAN_BOUND_MS / 1000} s) + ${LOADED_MACHINE_SLACK_MS / 1000} s`,
        ).toEqual([])
      },
      360_000,
    )
})
