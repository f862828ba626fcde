import { spawn, type ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { PARENT_PID_ENV, PARENT_WATCH_IMPORT } from './parent-watch.js'

const started = new Set<ChildProcess>()
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  started.clear()
})

// A real child with the watch preloaded, idling until something stops it.
function idleChild(parentPid: number, program = 'setInterval(() => {}, 1_000)') {
  const child = spawn(process.execPath, ['--import', PARENT_WATCH_IMPORT, '-e', program], {
    env: { ...process.env, [PARENT_PID_ENV]: String(parentPid) },
    stdio: 'ignore',
  })
  started.add(child)
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

  it('kills an orphan whose main thread never comes back (stuck in an exit handler)', async () => {
    // What a service did when its stdout reader died: SIGTERM → shutdown → process.exit → an exit hook that
    // sleeps and retries forever on the main thread (pino's flush on EPIPE), so no timer there fires again.
    const stuck = [
      "process.on('SIGTERM', () => process.exit(0))",
      "process.on('exit', () => { for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100) })",
      'setInterval(() => {}, 1_000)',
    ].join('\n')
    const { exited } = idleChild(2 ** 22 + 1, stuck)
    expect(await exited).toBe('SIGKILL')
  }, 60_000)

  it('kills an orphan whose main thread is busy and never handles the SIGTERM', async () => {
    const { exited } = idleChild(
      2 ** 22 + 1,
      "process.on('SIGTERM', () => {}); setTimeout(() => { for (;;); }, 100)",
    )
    expect(await exited).toBe('SIGKILL')
  }, 60_000)

  it('never keeps a child alive: one whose program ends exits on its own', async () => {
    const { child, exited } = idleChild(process.pid, 'process.exitCode = 7')
    expect(await exited).toBeNull()
    expect(child.exitCode).toBe(7)
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
