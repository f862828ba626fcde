import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { guardedCommand } from './orphan-guard.js'
import { PARENT_PID_ENV } from './parent-watch.js'

const NO_SUCH_PARENT = 2 ** 22 + 1
const started = new Set<ChildProcess>()
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  started.clear()
})

/** `sh -c script` under the guard, whose parent is `parentPid`; resolves the guarded program's pid. */
function guarded(script: string, parentPid: number) {
  const { command, args, env } = guardedCommand('sh', ['-c', script])
  const guard = spawn(command, args, {
    env: { ...process.env, ...env, [PARENT_PID_ENV]: String(parentPid) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  started.add(guard)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    guard.once('exit', (code, signal) => resolve({ code, signal })),
  )
  // The program prints its own pid first ($$ of the shell that then execs it).
  const programPid = new Promise<number>((resolve) =>
    guard.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
  )
  return { guard, exited, programPid }
}

/** Whether a pid runs (a zombie counts as gone). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return false
  }
}

describe('the orphan guard (for programs that cannot preload the parent watch, like redis-server)', () => {
  it('stops the program once its parent is gone, and exits with it', async () => {
    const { exited, programPid } = guarded('echo $$; exec sleep 1000', NO_SUCH_PARENT)
    const pid = await programPid
    expect(await exited).toEqual({ code: 0, signal: null })
    expect(running(pid)).toBe(false)
  }, 30_000)

  it('SIGKILLs a program that ignores SIGTERM, once the bound has passed', async () => {
    const { exited, programPid } = guarded('trap "" TERM; echo $$; exec sleep 1000', NO_SUCH_PARENT)
    const pid = await programPid
    expect(await exited).toEqual({ code: 1, signal: null })
    expect(running(pid)).toBe(false)
  }, 60_000)

  it('passes SIGTERM on while the parent lives, and leaves the program alone otherwise', async () => {
    const { guard, exited, programPid } = guarded('echo $$; exec sleep 1000', process.pid)
    const pid = await programPid
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(running(pid)).toBe(true)
    guard.kill('SIGTERM')
    expect(await exited).toEqual({ code: 0, signal: null })
    expect(running(pid)).toBe(false)
  }, 30_000)
})
