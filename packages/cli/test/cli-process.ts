import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freeBackendPort } from '@tarmac/testing'

/**
 * The `tarmac` binary as `npx tarmac` runs it (the package's bin): dist/bin.js when built and current, else
 * src/bin.ts through tsx in the same process. A real process: real signals, real exit codes.
 */
export const TARMAC_BIN = fileURLToPath(new URL('../bin/tarmac.js', import.meta.url))
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url))

export interface CliRun {
  readonly child: ChildProcess
  /** Everything written to stdout and stderr so far, interleaved. */
  output(): string
  stdout(): string
  stderr(): string
  /** Resolves once the process has exited and its pipes are drained. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves when the output matches; rejects when the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
}

/** Starts `tarmac <args>` in its own process group (so a test can signal it as a terminal would). */
export function startCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliRun {
  const child = spawn(process.execPath, [TARMAC_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let all = ''
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => ((out += chunk.toString()), (all += chunk.toString())))
  child.stderr.on('data', (chunk: Buffer) => ((err += chunk.toString()), (all += chunk.toString())))
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  )
  let exited = false
  void closed.then(() => (exited = true))
  return {
    child,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    closed,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const match = pattern.exec(all)
        if (match) return match
        if (exited) throw new Error(`tarmac exited before printing ${pattern}:\n${all.slice(-4_000)}`)
        if (Date.now() > deadline)
          throw new Error(`no ${pattern} after ${timeoutMs} ms:\n${all.slice(-4_000)}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
  }
}

/** Runs `tarmac <args>` to its end. */
export async function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const run = startCli(args, options)
  const { code, signal } = await run.closed
  return { code, signal, stdout: run.stdout(), stderr: run.stderr() }
}

/** Stops a still-running `tarmac` (and what it started) at the end of a test: SIGINT, SIGKILL after 20 s. */
export async function stopCli(run: CliRun | undefined): Promise<void> {
  if (!run || run.child.exitCode !== null || run.child.signalCode !== null) return
  run.child.kill('SIGINT')
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 20_000)
  await run.closed
  clearTimeout(timer)
}

/** The children of a process, from /proc: pid and command line. */
export function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        if (ppid !== pid) return []
        return [
          { pid: Number(name), cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ') },
        ]
      } catch {
        return [] // it exited while we looked
      }
    })
}

/** A process as `/proc` shows it, with its start time, so a pid the kernel reuses is not mistaken for it. */
export interface ProcessIdentity {
  readonly pid: number
  readonly cmdline: string
  /** Clock ticks after boot (field 22 of its stat). */
  readonly startTime: number | null
}

/** Every descendant of a process (children, theirs…), each with its start time. */
export function descendantsOf(pid: number): ProcessIdentity[] {
  const children = childrenOf(pid).map((c) => ({ ...c, startTime: startTimeOf(c.pid) }))
  return [...children, ...children.flatMap((c) => descendantsOf(c.pid))]
}

/** Those of `processes` that still run: the same process (start time unchanged), not a zombie. */
export function stillRunning(processes: readonly ProcessIdentity[]): ProcessIdentity[] {
  return processes.filter((p) => p.startTime !== null && startTimeOf(p.pid) === p.startTime && !zombie(p.pid))
}

/**
 * Waits until none of `processes` runs, or `timeoutMs` passed; resolves with those still running then and how
 * long the wait took. The pids wrap here (the suite spawns more than pid_max processes), hence start times.
 */
export async function waitUntilGone(
  processes: readonly ProcessIdentity[],
  timeoutMs: number,
): Promise<{ left: ProcessIdentity[]; waitedMs: number }> {
  const startedMs = Date.now()
  while (stillRunning(processes).length > 0 && Date.now() - startedMs < timeoutMs)
    await new Promise((resolve) => setTimeout(resolve, 200))
  return { left: stillRunning(processes), waitedMs: Date.now() - startedMs }
}

/** When a process started (clock ticks after boot, field 22 of its stat); null once it is gone. */
export function startTimeOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
  } catch {
    return null
  }
}

/** Its parent's pid (1 once its parent died and init adopted it); null once it is gone. */
export function parentPidOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return null
  }
}

/** A process that has exited but was not reaped yet (its parent died with it): state Z. */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return true
  }
}

export { freeBackendPort }
