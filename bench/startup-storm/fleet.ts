import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, closeSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'node:http'
import { getFreePort } from '@tarmac/testing'

/** One process of a fleet, from spawn to exit. */
export interface InstanceOutcome {
  readonly index: number
  /** spawn → first 200 from `/health/ready`; null if it never answered 200. */
  readonly readyMs: number | null
  /** User + system CPU the process had used when it became ready (from /proc). */
  readonly cpuMsAtReady: number | null
  /** Exit during the run (before the bench stopped the fleet): code, or signal name. */
  readonly exit: string | null
  /** The last stderr line that names a failure, for the report. */
  readonly failureLine: string | null
}

export interface FleetOptions {
  readonly instances: number
  readonly command: readonly string[]
  readonly cwd: string
  /** Per instance: the environment (PORT is added). */
  readonly env: (index: number) => Record<string, string>
  readonly logDir: string
  /** Give up on instances not ready by then. */
  readonly timeoutMs: number
  readonly pollIntervalMs: number
  /** Called every `pollIntervalMs` while the fleet starts (the bench samples the database). */
  readonly onTick?: () => Promise<void> | void
}

export interface FleetRun {
  readonly outcomes: readonly InstanceOutcome[]
  /** Stops every live process (SIGTERM, then SIGKILL after `graceMs`) and resolves when all have exited. */
  stop(graceMs: number): Promise<void>
}

interface Live {
  readonly child: ChildProcess
  readonly port: number
  readonly spawnedMs: number
  readonly stderrPath: string
  readyMs: number | null
  cpuMsAtReady: number | null
  exit: string | null
  exited: Promise<void>
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

function isReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health/ready', timeout: 1_000 }, (response) => {
      response.resume()
      resolve(response.statusCode === 200)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}

/**
 * Starts every instance at once (as a platform scales a service from zero), polls each one's
 * `/health/ready` as a load balancer would, and returns when every instance is ready or has exited, or
 * the timeout passes.
 */
export async function runFleet(options: FleetOptions): Promise<FleetRun> {
  const ports = await Promise.all(Array.from({ length: options.instances }, () => getFreePort()))
  const live: Live[] = ports.map((port, index) => {
    const stdoutPath = join(options.logDir, `instance-${index}.out`)
    const stderrPath = join(options.logDir, `instance-${index}.err`)
    const out = openSync(stdoutPath, 'w')
    const err = openSync(stderrPath, 'w')
    const spawnedMs = performance.now()
    const [command, ...args] = options.command
    const child = spawn(command!, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env(index), PORT: String(port) },
      stdio: ['ignore', out, err],
    })
    closeSync(out)
    closeSync(err)
    const instance: Live = {
      child,
      port,
      spawnedMs,
      stderrPath,
      readyMs: null,
      cpuMsAtReady: null,
      exit: null,
      exited: new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          instance.exit ??= code === null ? String(signal) : String(code)
          resolve()
        }),
      ),
    }
    return instance
  })

  const startedMs = performance.now()
  for (;;) {
    const pending = live.filter((instance) => instance.readyMs === null && instance.exit === null)
    if (pending.length === 0 || performance.now() - startedMs > options.timeoutMs) break
    await Promise.all(
      pending.map(async (instance) => {
        if (!(await isReady(instance.port)) || instance.readyMs !== null) return
        instance.readyMs = performance.now() - instance.spawnedMs
        instance.cpuMsAtReady = cpuMsOf(instance.child.pid)
      }),
    )
    await options.onTick?.()
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs))
  }
  const exitsDuringRun = new Map(live.map((instance) => [instance, instance.exit]))

  return {
    outcomes: live.map((instance, index) => ({
      index,
      readyMs: instance.readyMs === null ? null : Math.round(instance.readyMs),
      cpuMsAtReady: instance.cpuMsAtReady,
      exit: exitsDuringRun.get(instance) ?? null,
      failureLine: exitsDuringRun.get(instance) ? failureLineOf(instance.stderrPath) : null,
    })),
    async stop(graceMs) {
      for (const instance of live) if (instance.exit === null) instance.child.kill('SIGTERM')
      const killer = setTimeout(() => {
        for (const instance of live) if (instance.exit === null) instance.child.kill('SIGKILL')
      }, graceMs)
      await Promise.all(live.map((instance) => instance.exited))
      clearTimeout(killer)
    },
  }
}

function failureLineOf(stderrPath: string): string | null {
  const lines = readFileSync(stderrPath, 'utf8').split('\n')
  const line = lines.find((l) => /startup failed/.test(l)) ?? lines.filter(Boolean).at(-1)
  return line ? line.slice(0, 300) : null
}
