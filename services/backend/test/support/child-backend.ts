import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))

export interface ChildBackend {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with the exit code and how long the process lived. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; elapsedMs: number }>
  /** Resolves when stdout has a line matching. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>
}

/**
 * Runs the backend as a real process: `src/main.ts` through tsx, as `npm start` would from source, or a built
 * entry (`built`: a `dist/main.js`) with plain `node`, as the image does.
 */
export function spawnBackend(env: Record<string, string>, options: { built?: string } = {}): ChildBackend {
  const startedMs = performance.now()
  const args = options.built ? [options.built] : ['--conditions=@tarmac/source', '--import', 'tsx', MAIN]
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const watchers = new Set<() => void>()
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString()
    for (const watcher of watchers) watcher()
  })
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; elapsedMs: number }>(
    (resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, elapsedMs: performance.now() - startedMs })),
  )
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(stdout)) return
          watchers.delete(check)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          watchers.delete(check)
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; stderr: ${stderr.slice(-500)}`))
        }, timeoutMs)
        watchers.add(check)
        void exited.then(() => {
          if (!pattern.test(stdout))
            reject(new Error(`exited before ${pattern}; stderr: ${stderr.slice(-800)}`))
        })
        check()
      })
    },
  }
}
