import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Component } from '@tarmac/startup'
import { sleep } from '@tarmac/startup'
import { CliError } from '../errors.js'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import { lineSplitter } from './log-line.js'
import { PARENT_PID_ENV, PARENT_WATCH_IMPORT } from './parent-watch.js'
import type { ChildExit, RunningService } from './running-service.js'
import { Supervisor, type SupervisorOptions } from './supervisor.js'

export type { ChildExit, RunningService }

/** One service `tarmac up` runs: where it lives, its port, and what it needs in its environment. */
export interface ServiceSpec {
  readonly name: string
  readonly dir: string
  readonly port: number
  readonly env: Record<string, string>
}

/** `exited with code 1`, `was killed by SIGKILL`. */
export function describeExit(exit: ChildExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`
  return `exited with code ${exit.code ?? 'unknown'}`
}

/** The startup progress of a service, as its `/health/startup` shows it. */
export interface StartupProgress {
  readonly service: string
  readonly state: string
  readonly phase: string | null
  readonly phases: ReadonlyArray<{ name: string; state: string; durationMs: number | null }>
}

export interface ChildServiceOptions {
  readonly phase: string
  readonly onLine: (service: string, line: string, stream: 'stdout' | 'stderr') => void
  readonly onProgress: (progress: StartupProgress) => void
  readonly pollIntervalMs: number
  readonly timeoutMs: number
  readonly stopTimeoutMs: number
  /** Run `src/main.ts` through tsx even when `dist/main.js` exists. */
  readonly fromSource: boolean
}

/**
 * How the child is started: `node dist/main.js`, or tsx on `src/main.ts` (source condition) before a build;
 * either way with the parent watch preloaded, so a child never outlives a killed `tarmac up`.
 */
export function commandOf(
  spec: ServiceSpec,
  fromSource: boolean,
): { command: string; args: string[]; env: Record<string, string> } {
  const built = join(spec.dir, 'dist/main.js')
  const watch = ['--import', PARENT_WATCH_IMPORT]
  const env = { [PARENT_PID_ENV]: String(process.pid) }
  if (!fromSource && existsSync(built))
    return { command: process.execPath, args: ['--enable-source-maps', ...watch, built], env }
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  return {
    command: process.execPath,
    args: ['--conditions=@tarmac/source', '--import', tsx, ...watch, join(spec.dir, 'src/main.ts')],
    env,
  }
}

/**
 * Spawns a service and resolves once its `/health/startup` answers 200 (reporting its phases meanwhile); rejects
 * with `CLI_ERR_SERVICE_EXITED` when it exits first, or when the signal fires — killing it either way.
 */
export async function launchChild(
  spec: ServiceSpec,
  options: ChildServiceOptions,
  signal: AbortSignal,
): Promise<RunningService> {
  const url = `http://127.0.0.1:${spec.port}`
  const { command, args, env } = commandOf(spec, options.fromSource)
  const child = spawn(command, args, {
    cwd: spec.dir,
    env: { ...process.env, ...spec.env, ...env, PORT: String(spec.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches tarmac only, which then stops the services one
    // by one in reverse order (a child that also got the SIGINT would take our SIGTERM as a second signal).
    detached: true,
  })
  for (const stream of ['stdout', 'stderr'] as const) {
    const splitter = lineSplitter((line) => options.onLine(spec.name, line, stream))
    child[stream].on('data', (chunk: Buffer) => splitter.push(chunk))
    child[stream].on('end', () => splitter.flush())
  }
  // Detached children outlive a tarmac that dies abruptly; make sure they do not (`exit` runs on a clean or
  // signalled exit; after a SIGKILL of tarmac, the child's parent watch stops it).
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  child.once('exit', () => process.removeListener('exit', killOnExit))
  const exited = new Promise<ChildExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const running: RunningService = { child, url, exited }
  let exit: ChildExit | undefined
  void exited.then((how) => (exit = how))
  try {
    for (;;) {
      if (exit !== undefined) {
        throw new CliError('CLI_ERR_SERVICE_EXITED', `${spec.name} ${describeExit(exit)} before it started`)
      }
      const response = await fetchHealth(`${url}/health/startup`, { timeoutMs: 2_000, signal })
      if (!isFetchFailure(response)) {
        options.onProgress(progressOf(spec.name, response.body))
        if (response.status === 200) return running
      }
      await sleep(options.pollIntervalMs, signal)
    }
  } catch (error) {
    await stopChild(running, options.stopTimeoutMs)
    throw error
  }
}

/**
 * A service as a startup component, supervised: `start` launches it (`launchChild`) and hands it to a
 * `Supervisor`, which restarts it with backoff when it exits on its own (unless `restart` is off); `stop`
 * cancels a pending restart and stops it (SIGTERM, SIGKILL after `stopTimeoutMs`).
 */
export function childServiceComponent(
  spec: ServiceSpec,
  options: ChildServiceOptions & Pick<SupervisorOptions, 'restart' | 'policy' | 'onEvent'>,
): Component<Supervisor> {
  return {
    name: spec.name,
    phase: options.phase,
    timeoutMs: options.timeoutMs,
    stopTimeoutMs: options.stopTimeoutMs + 1_000,
    async start({ signal }) {
      const supervisor = new Supervisor({
        name: spec.name,
        launch: (launchSignal) => launchChild(spec, options, launchSignal),
        stopChild: (running) => stopChild(running, options.stopTimeoutMs),
        restart: options.restart,
        policy: options.policy,
        onEvent: options.onEvent,
      })
      await supervisor.start(signal)
      return supervisor
    },
    stop: (supervisor) => supervisor.stop(),
  }
}

/** SIGTERM, wait; SIGKILL after the timeout. Resolves when the child has exited. */
export async function stopChild(running: RunningService, stopTimeoutMs: number): Promise<void> {
  const { child } = running
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs)
  await running.exited
  clearTimeout(timer)
}

function progressOf(service: string, body: unknown): StartupProgress {
  const doc = (body ?? {}) as {
    state?: string
    phase?: string | null
    report?: { phases?: StartupProgress['phases'] }
  }
  return {
    service,
    state: doc.state ?? 'starting',
    phase: doc.phase ?? null,
    phases: (doc.report?.phases ?? []).map((p) => ({
      name: p.name,
      state: p.state,
      durationMs: p.durationMs,
    })),
  }
}
