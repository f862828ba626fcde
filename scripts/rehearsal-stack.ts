/**
 * The rehearsal's smoke (dockerfile-rehearsal.ts --smoke): the final stages of the rehearsed images started as
 * the images would start them — their CMD, their ENV, on the image's Node major — against a PostgreSQL and a
 * Redis of their own, each service pointed at the others. A service whose dependencies were all rehearsed must
 * become ready (`/health/ready` 200: for the backend that is its database, the auth service's JWKS, the Redis bus
 * and the chat round trip); one that was rehearsed alone, without a dependency it needs, must at least be live.
 * Then SIGTERM, and each must exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readlinkSync, realpathSync } from 'node:fs'
import pg from 'pg'
import {
  getFreePort,
  startTestPostgres,
  startTestRedis,
  type TestPostgres,
  type TestRedis,
} from '@tarmac/testing'
import type { RehearsalNode } from './rehearsal-node.js'

export const STACK_SERVICES = ['auth', 'backend', 'frontend'] as const
export type StackService = (typeof STACK_SERVICES)[number]

/** What must be up for a service to become ready; the frontend waits on nobody. */
const NEEDS: Readonly<Record<StackService, readonly StackService[]>> = {
  auth: [],
  backend: ['auth'],
  frontend: [],
}

export interface RehearsedImage {
  readonly service: StackService
  /** The final stage's working directory (the image's WORKDIR) on this machine. */
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  /** The CMD in exec form: `node services/<name>/dist/main.js`. */
  readonly command: readonly string[]
}

export interface SmokeResult {
  readonly ok: boolean
  /** `Node v24.21.0: /health/ready 200 after 3.1 s; exit 0 on SIGTERM`, or what went wrong. */
  readonly line: string
}

interface Running {
  readonly image: RehearsedImage
  readonly url: string
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  stderr(): string
}

const WAIT_MS = 120_000

async function statusOf(url: string): Promise<number> {
  return fetch(url).then(
    (response) => response.status,
    () => 0,
  )
}

async function waitFor(running: Running, path: string): Promise<number> {
  const startedMs = performance.now()
  for (;;) {
    if (running.child.exitCode !== null)
      throw new Error(`exited ${running.child.exitCode} before ${path} answered 200: ${running.stderr()}`)
    if ((await statusOf(`${running.url}${path}`)) === 200) return (performance.now() - startedMs) / 1000
    if (performance.now() - startedMs > WAIT_MS)
      throw new Error(`no ${path} 200 within ${WAIT_MS / 1000} s: ${running.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(`create database ${name}`)
  } finally {
    await client.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** The binary a process runs, from /proc (Linux): proves which Node the service is on. */
function executableOf(child: ChildProcess): string | null {
  const link = `/proc/${child.pid}/exe`
  return existsSync(link) ? readlinkSync(link) : null
}

/**
 * Starts every image in dependency order, waits for ready (or live), stops them, and resolves with one line per
 * service. The first service that does not come up ends the start (what depends on it could not either); every
 * started one is stopped whatever happened.
 */
export async function smokeStack(
  images: readonly RehearsedImage[],
  node: RehearsalNode,
): Promise<Map<StackService, SmokeResult>> {
  const byService = new Map(images.map((image) => [image.service, image]))
  const closed = `http://127.0.0.1:${await getFreePort()}`
  const token = randomBytes(24).toString('hex')
  let postgres: TestPostgres | undefined
  let redis: TestRedis | undefined
  const running = new Map<StackService, Running>()
  const results = new Map<StackService, SmokeResult>()
  try {
    if (byService.has('auth') || byService.has('backend')) {
      postgres = await startTestPostgres()
      redis = await startTestRedis()
    }
    for (const service of STACK_SERVICES) {
      const image = byService.get(service)
      if (!image) continue
      const port = await getFreePort()
      const urlOf = (other: StackService) => running.get(other)?.url ?? closed
      const env: Record<string, string> = {
        ...image.env,
        PATH: node.env.PATH!,
        PORT: String(port),
        HOST: '127.0.0.1',
        HEALTH_TOKEN: token,
        LOG_LEVEL: 'warn',
        STARTUP_DEADLINE_MS: '90000',
        DRAIN_DELAY_MS: '0',
        AUTH_URL: urlOf('auth'),
        BACKEND_URL: urlOf('backend'),
      }
      if (service !== 'frontend')
        env.DATABASE_URL = await createDatabase(postgres!.url, `rehearsal_${service}`)
      if (service === 'backend') env.REDIS_URL = redis!.url
      const [command, ...args] = image.command
      // `node` is the image's Node, whatever this machine's PATH would find first.
      const child = spawn(command === 'node' ? node.path : command!, args, {
        cwd: image.cwd,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      const entry: Running = { image, url: `http://127.0.0.1:${port}`, child, exited, stderr: () => stderr }
      running.set(service, entry)
      const ready = NEEDS[service].every((needed) => byService.has(needed))
      const path = ready ? '/health/ready' : '/health/live'
      try {
        const seconds = await waitFor(entry, path)
        const executable = executableOf(child)
        if (executable !== null && executable !== realpathSync(node.path))
          throw new Error(`it runs ${executable}, not the Node ${node.major} binary ${node.path}`)
        results.set(service, {
          ok: true,
          line: `Node ${node.version}: ${path} 200 after ${seconds.toFixed(1)} s`,
        })
      } catch (error) {
        results.set(service, { ok: false, line: (error as Error).message })
        break // what depends on it cannot come up either
      }
    }
  } finally {
    for (const service of [...STACK_SERVICES].reverse()) {
      const entry = running.get(service)
      if (!entry) continue
      if (entry.child.exitCode === null) entry.child.kill('SIGTERM')
      const timer = setTimeout(() => entry.child.kill('SIGKILL'), 30_000)
      const code = await entry.exited
      clearTimeout(timer)
      const result = results.get(service)
      if (result?.ok)
        results.set(
          service,
          code === 0
            ? { ok: true, line: `${result.line}; exit 0 on SIGTERM` }
            : { ok: false, line: `${result.line}, then exit ${code} on SIGTERM: ${entry.stderr()}` },
        )
    }
    await redis?.stop()
    await postgres?.stop()
  }
  return results
}
