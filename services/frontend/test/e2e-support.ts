import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { createLogger } from '@tarmac/service'
import type { Startup } from '@tarmac/startup'
import { createTestDatabase, getFreePort, type TestDatabase } from '@tarmac/testing'
import { buildAppBundle } from '../src/app-build.js'
import { createFrontendStartup } from '../src/frontend-startup.js'
import { loadFrontendConfig } from '../src/options.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** Debian's Chromium; `.ci/run` installs it (`apt-get install -y chromium`). No browser is ever downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Builds the app for production into `outDir` and returns the gzip size of what a first load downloads. */
export async function buildApp(outDir: string): Promise<{ files: number; bytes: number; gzipBytes: number }> {
  await buildAppBundle(outDir)
  let bytes = 0
  let gzipBytes = 0
  let files = 0
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (/\.(js|css|html)$/.test(name)) {
        const content = readFileSync(path)
        files++
        bytes += content.length
        gzipBytes += gzipSync(content, { level: 9 }).length
      }
    }
  }
  walk(outDir)
  return { files, bytes, gzipBytes }
}

/** A service's `src/main.ts` in a child process, as `npm start` runs it (from source, through tsx). */
export class ServiceProcess {
  #child: ChildProcess | null = null
  #stderr = ''

  constructor(
    readonly name: 'auth' | 'backend',
    readonly port: number,
    readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Starts the process and resolves once its `/health/ready` answers 200. */
  async start(withinMs = 90_000): Promise<void> {
    const main = join(ROOT, 'services', this.name, 'src', 'main.ts')
    this.#stderr = ''
    const child = spawn(process.execPath, ['--conditions=@tarmac/source', '--import', 'tsx', main], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        ...this.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.#stderr = (this.#stderr + chunk.toString()).slice(-4000)),
    )
    this.#child = child
    const startedMs = Date.now()
    while (Date.now() - startedMs < withinMs) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited ${child.exitCode}: ${this.#stderr}`)
      const status = await fetch(`${this.url}/health/ready`)
        .then((response) => response.status)
        .catch(() => 0)
      if (status === 200) return
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    throw new Error(`${this.name} not ready within ${withinMs} ms: ${this.#stderr}`)
  }

  /** Runs one more instance with `env` on top until it exits by itself (a failing start): its exit code. */
  async runToExit(env: Record<string, string>, withinMs = 90_000): Promise<number | null> {
    const main = join(ROOT, 'services', this.name, 'src', 'main.ts')
    const child = spawn(process.execPath, ['--conditions=@tarmac/source', '--import', 'tsx', main], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        ...this.env,
        ...env,
      },
      stdio: 'ignore',
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), withinMs)
    const code = await new Promise<number | null>((resolve) =>
      child.once('exit', (exitCode) => resolve(exitCode)),
    )
    clearTimeout(timer)
    return code
  }

  /** SIGTERM, as a platform stops a container; resolves when the process has exited. */
  async stop(): Promise<void> {
    const child = this.#child
    this.#child = null
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }
}

/** The platform an e2e test drives: auth and backend processes on their own databases, the frontend in-process. */
export interface E2eStack {
  readonly auth: ServiceProcess
  readonly backend: ServiceProcess
  /** The frontend through its real startup engine, as src/main.ts runs it. */
  readonly frontend: Startup
  /** The frontend's URL, `http://127.0.0.1:<port>`. */
  readonly base: string
  /** What the production build a first load downloads weighs. */
  readonly bundle: Awaited<ReturnType<typeof buildApp>>
  /** Stops all of it, drops the databases and removes the build. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * Builds the app, creates `<name>_auth` and `<name>_backend` databases, starts auth (with `authEnv` on top) and
 * backend (local assistant) and then the frontend in front of them. A failure stops what had started.
 */
export async function startE2eStack(options: {
  readonly name: string
  readonly authEnv?: Record<string, string>
}): Promise<E2eStack> {
  const publicDir = mkdtempSync(join(tmpdir(), `tarmac-${options.name}-public-`))
  const databases: TestDatabase[] = []
  let auth: ServiceProcess | undefined
  let backend: ServiceProcess | undefined
  let frontend: Startup | undefined
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      await frontend?.shutdown('test over')
      await backend?.stop()
      await auth?.stop()
      for (const database of databases) await database.drop()
      rmSync(publicDir, { recursive: true, force: true })
    })())
  try {
    const bundle = await buildApp(publicDir)
    databases.push(
      ...(await Promise.all([
        createTestDatabase(`${options.name}_auth`),
        createTestDatabase(`${options.name}_backend`),
      ])),
    )
    const [authDb, backendDb] = databases as [TestDatabase, TestDatabase]
    auth = new ServiceProcess('auth', await getFreePort(), { DATABASE_URL: authDb.url, ...options.authEnv })
    await auth.start()
    backend = new ServiceProcess('backend', await getFreePort(), {
      DATABASE_URL: backendDb.url,
      AUTH_URL: auth.url,
      LLM_PROVIDER: 'local',
    })
    await backend.start()
    const built = createFrontendStartup({
      logger: createLogger({ name: 'frontend', level: 'silent' }),
      config: loadFrontendConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        BACKEND_URL: backend.url,
        AUTH_URL: auth.url,
        PUBLIC_DIR: publicDir,
        NODE_ENV: 'test',
      }),
    })
    frontend = built.startup
    await frontend.run()
    const base = `http://127.0.0.1:${built.server.get().port}`
    return { auth, backend, frontend, base, bundle, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
