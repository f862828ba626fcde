import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { connect } from 'node:net'
import { cpuMsOf } from '../startup-storm/fleet.js'

/** One cold start: spawn → listening (first TCP accept) → ready (`/health/ready` 200), and the CPU it took. */
export interface ColdStart {
  readonly listeningMs: number | null
  readonly readyMs: number | null
  /** User + system CPU of the process when it became ready (or listening, with `readyPath: null`). */
  readonly cpuMs: number | null
  /** Exit before the bench stopped it: code or signal; and its last stderr lines. */
  readonly exit: string | null
  readonly stderr: string
  /** User + system CPU when it first accepted a connection. */
  readonly cpuAtListeningMs: number | null
  /** Wall clock (epoch ms) just before the spawn: where the startup report's ISO times are measured from. */
  readonly spawnedAtEpochMs: number
  /** The `report` of `reportPath` (the startup engine's report, from `/health/startup`), read once ready. */
  readonly report: unknown
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

const getJson = (port: number, path: string) =>
  new Promise<unknown>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2_000, agent: false }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => {
        try {
          resolve(JSON.parse(body))
        } catch {
          resolve(null)
        }
      })
    })
    req.once('error', () => resolve(null))
    req.once('timeout', () => req.destroy())
    req.end()
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
 * listening is ready), reads its CPU time, then (with `reportPath`) its startup report, SIGTERMs it and waits
 * for the exit.
 */
export async function measureColdStart(options: {
  command: readonly string[]
  cwd: string
  env: Record<string, string>
  port: number
  readyPath: string | null
  /** Read once ready (e.g. `/health/startup`, whose `report` holds each phase's start and duration). */
  reportPath?: string | null
  timeoutMs: number
  pollMs: number
}): Promise<ColdStart> {
  const spawnedAtEpochMs = Date.now()
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
  let cpuAtListeningMs: number | null = null
  const deadline = startedMs + options.timeoutMs
  while (exit === null && performance.now() < deadline) {
    if (listeningMs === null) {
      if (await accepts(options.port)) {
        listeningMs = elapsed()
        cpuAtListeningMs = cpuMsOf(child.pid)
      } else {
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
  const document =
    readyMs !== null && options.reportPath ? await getJson(options.port, options.reportPath) : null
  const report = (document as { report?: unknown } | null)?.report ?? null
  child.kill('SIGTERM')
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(killer)
  return {
    listeningMs,
    readyMs,
    cpuMs,
    cpuAtListeningMs,
    spawnedAtEpochMs,
    report,
    exit: exitedEarly,
    stderr: exitedEarly ? stderr : '',
  }
}
