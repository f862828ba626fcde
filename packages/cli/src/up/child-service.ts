import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Component } from '@tarmac/startup'
import { sleep } from '@tarmac/startup'
import { CliError } from '../errors.js'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import { lineSplitter } from './log-line.js'

/** One service `tarmac up` runs: where it lives, its port, and what it needs in its environment. */
export interface ServiceSpec {
  readonly name: string
  readonly dir: string
  readonly port: number
  readonly env: Record<string, string>
}

/** What a running child is: its process, its URL, and the last startup document it served. */
export interface RunningService {
  readonly child: ChildProcess
  readonly url: string
  /** Resolves with the exit code when the child exits. */
  readonly exited: Promise<number | null>
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

/** How the child is started: `node dist/main.js`, or tsx on `src/main.ts` (source condition) before a build. */
export function commandOf(spec: ServiceSpec, fromSource: boolean): { command: string; args: string[] } {
  const built = join(spec.dir, 'dist/main.js')
  if (!fromSource && existsSync(built))
    return { command: process.execPath, args: ['--enable-source-maps', built] }
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  return {
    command: process.execPath,
    args: ['--conditions=@tarmac/source', '--import', tsx, join(spec.dir, 'src/main.ts')],
  }
}

/**
 * A service as a startup component: `start` spawns it and resolves once its `/health/startup` answers 200
 * (the live view follows its phases meanwhile); it rejects when the child exits first or the attempt is
 * aborted. `stop` sends SIGTERM and waits, SIGKILL after `stopTimeoutMs`.
 */
export function childServiceComponent(
  spec: ServiceSpec,
  options: ChildServiceOptions,
): Component<RunningService> {
  const url = `http://127.0.0.1:${spec.port}`
  return {
    name: spec.name,
    phase: options.phase,
    timeoutMs: options.timeoutMs,
    stopTimeoutMs: options.stopTimeoutMs + 1_000,
    async start({ signal }) {
      const { command, args } = commandOf(spec, options.fromSource)
      const child = spawn(command, args, {
        cwd: spec.dir,
        env: { ...process.env, ...spec.env, PORT: String(spec.port) },
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
      // Detached children outlive a tarmac that dies abruptly; make sure they do not.
      const killOnExit = () => child.kill('SIGKILL')
      process.once('exit', killOnExit)
      child.once('exit', () => process.removeListener('exit', killOnExit))
      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 : null))),
      )
      const running: RunningService = { child, url, exited }
      let exitCode: number | null | undefined
      void exited.then((code) => (exitCode = code))
      try {
        for (;;) {
          if (exitCode !== undefined) {
            throw new CliError(
              'CLI_ERR_SERVICE_EXITED',
              `${spec.name} exited with code ${exitCode} before it started`,
            )
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
    },
    stop: (running) => stopChild(running, options.stopTimeoutMs),
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
