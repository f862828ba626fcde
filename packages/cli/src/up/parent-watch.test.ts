import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { PARENT_PID_ENV, PARENT_WATCH_IMPORT } from './parent-watch.js'

// A real child with the watch preloaded, idling until something stops it.
function idleChild(parentPid: number, program = 'setInterval(() => {}, 1_000)') {
  const child = spawn(process.execPath, ['--import', PARENT_WATCH_IMPORT, '-e', program], {
    env: { ...process.env, [PARENT_PID_ENV]: String(parentPid) },
    stdio: 'ignore',
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  )
  return { child, exited }
}

describe('the parent watch', () => {
  it('stops a child whose parent is not the one it was started by (died before the child looked)', async () => {
    const { exited } = idleChild(2 ** 22 + 1) // no such process: the parent is "gone"
    expect(await exited).toBe('SIGTERM')
  })

  it('kills an orphan whose shutdown does not end', async () => {
    // SIGTERM is handled and ignored, as by a shutdown stuck on a database that is gone.
    const { exited } = idleChild(2 ** 22 + 1, "process.on('SIGTERM', () => {}); setInterval(() => {}, 1_000)")
    expect(await exited).toBe('SIGKILL')
  }, 30_000)

  it('leaves a child alone while its parent lives', async () => {
    const { child, exited } = idleChild(process.pid)
    const early = await Promise.race([
      exited,
      new Promise((resolve) => setTimeout(() => resolve('alive'), 1_500)),
    ])
    expect(early).toBe('alive')
    child.kill('SIGKILL')
    await exited
  })
})
