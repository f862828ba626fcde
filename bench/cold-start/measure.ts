import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'

/** One cold start: spawn → listening (first TCP accept) → ready (`/health/ready` 200), and the CPU it took. */
export interface ColdStart {
  readonly listeningMs: number | null
  readonly readyMs: number | null
  /** User + system CPU of the process when it became ready (or listening, with `readyPath: null`). */
  readonly cpuMs: number | null
  /** Exit before the bench stopped it: code or signal; and its last stderr lines. */
  readonly exit: string | null
  readonly stderr: string
}

const CLOCK_TICKS_PER_SECOND = 100

/** CPU time of a process so far, from /proc/<pid>/stat (utime + stime). */
export function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND
  } catch {
    return null
  }
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

const answers200 = (port: number, path: string) =>
  new Promise<boolean>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 1_000, agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode === 200)
    })
    req.once('error', () => resolve(false))
    req.once('timeout', () => req.destroy())
    req.end()
  })

/**
 * Spawns `command`, polls its port every `pollMs` until it accepts, then its `readyPath` until 200 (null:
 * listening is ready), reads its CPU time, SIGTERMs it and waits for the exit.
 */
export async function measureColdStart(options: {
  command: readonly string[]
  cwd: string
  env: Record<string, string>
  port: number
  readyPath: string | null
  timeoutMs: number
  pollMs: number
}): Promise<ColdStart> {
  const startedMs = performance.now()
  const child = spawn(options.command[0]!, options.command.slice(1), {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)))
  let exit: string | null = null
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = signal ?? String(code)
      resolve()
    }),
  )
  const elapsed = () => Math.round((performance.now() - startedMs) * 10) / 10
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  let listeningMs: number | null = null
  let readyMs: number | null = null
  let cpuMs: number | null = null
  const deadline = startedMs + options.timeoutMs
  while (exit === null && performance.now() < deadline) {
    if (listeningMs === null) {
      if (await accepts(options.port)) listeningMs = elapsed()
      else {
        await sleep(options.pollMs)
        continue
      }
    }
    if (options.readyPath === null || (await answers200(options.port, options.readyPath))) {
      readyMs = options.readyPath === null ? listeningMs : elapsed()
      cpuMs = cpuMsOf(child.pid)
      break
    }
    await sleep(options.pollMs)
  }
  const exitedEarly = exit
  child.kill('SIGTERM')
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(killer)
  return { listeningMs, readyMs, cpuMs, exit: exitedEarly, stderr: exitedEarly ? stderr : '' }
}
