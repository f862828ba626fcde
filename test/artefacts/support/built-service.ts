import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getFreePort } from '@tarmac/testing'
import { beforeAll } from 'vitest'
import { formatLogLine } from '../../../packages/cli/src/up/log-line.js'
import { readDockerfile } from '../../../scripts/dockerfile-stages.js'

/** The checkout: what `/app` is in an image (the build context), and where `npm start -w` runs from. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

export const SERVICES = ['auth', 'backend', 'frontend'] as const
export type ServiceName = (typeof SERVICES)[number]

/**
 * How a built service is started, as users start it: `npm-start` runs the service's `start` script
 * (`node dist/main.js`) in its folder, as `npm start -w services/<name>` does; `image` runs the Dockerfile's CMD
 * (`node services/<name>/dist/main.js`) from the root with the final stage's ENV (`NODE_ENV=production`), as the
 * container does. (`tarmac up` is the third way: test/artefacts/support/up-stack.ts.)
 */
export type LaunchForm = 'npm-start' | 'image'

export interface BuiltService {
  readonly name: string
  /** What was run, for messages: `backend-1 (node dist/main.js in services/backend)`. */
  readonly label: string
  readonly port: number
  readonly url: string
  readonly child: ChildProcess
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** The last `count` lines it wrote (stdout and stderr, interleaved), pino's JSON made brief as `tarmac up` does. */
  lastLines(count?: number): string
  /** Everything it wrote, for a test that reads its logs. */
  output(): string
  /** Resolves once `/health/ready` answers 200; rejects, saying what broke, if it exits or `withinMs` passes. */
  ready(withinMs?: number): Promise<void>
  /** SIGTERM (SIGKILL 15 s later); resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>
}

/** The command, folder and environment a launch form gives a service. */
export function launchOf(
  service: ServiceName,
  form: LaunchForm,
): { args: string[]; cwd: string; env: Record<string, string>; shown: string } {
  const dir = join(ROOT, 'services', service)
  if (form === 'npm-start') {
    const start = (
      JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: { start?: string } }
    ).scripts.start
    const script = /^node (\S+)$/.exec(start ?? '')?.[1]
    if (!script) throw new Error(`services/${service}'s start script is not "node <file>": ${start}`)
    return { args: [script], cwd: dir, env: {}, shown: `npm start -w services/${service}: node ${script}` }
  }
  const image = readDockerfile(join(dir, 'Dockerfile')).final
  const command = image.instructions.find((i) => i.keyword === 'CMD')?.exec
  if (command?.[0] !== 'node')
    throw new Error(`services/${service}/Dockerfile's CMD is not node: ${JSON.stringify(command)}`)
  const env: Record<string, string> = {}
  for (const step of image.instructions.filter((i) => i.keyword === 'ENV'))
    for (const pair of step.args) {
      const [name, ...value] = pair.split('=')
      env[name!] = value.join('=')
    }
  return { args: command.slice(1), cwd: ROOT, env, shown: `the image's CMD: ${command.join(' ')}` }
}

/** Every service this test file started (each file has its own module instance): for `stopBuiltServices`. */
const started: BuiltService[] = []

/** Stops every built service this test file started, in parallel: for its `afterAll`. */
export async function stopBuiltServices(): Promise<void> {
  await Promise.all(started.splice(0).map((service) => service.stop()))
}

/**
 * Starts a built service as a real process on a free port. Its environment is only what is given (plus PATH and
 * HOME): nothing leaks from the shell that runs the tests (a DATABASE_URL there would hide the embedded database).
 */
export async function startBuiltService(
  service: ServiceName,
  options: { form: LaunchForm; env?: Record<string, string>; name?: string },
): Promise<BuiltService> {
  const name = options.name ?? service
  const port = await getFreePort()
  const launch = launchOf(service, options.form)
  const child = spawn(process.execPath, launch.args, {
    cwd: launch.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      // The test is the only client: nothing to drain on SIGTERM (production waits 5 s).
      DRAIN_DELAY_MS: '0',
      ...launch.env,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let all = ''
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (chunk: Buffer) => (all = (all + chunk.toString()).slice(-200_000)))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  )
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  void exited.then((how) => (exit = how))
  const url = `http://127.0.0.1:${port}`
  const label = `${name} (${launch.shown})`
  const lastLines = (count = 8) => briefLines(all, count)
  let stopping: Promise<void> | undefined
  const built: BuiltService = {
    name,
    label,
    port,
    url,
    child,
    exited,
    lastLines,
    output: () => all,
    async ready(withinMs = 120_000) {
      const deadlineMs = Date.now() + withinMs
      let startup: unknown
      for (;;) {
        if (exit)
          throw new Error(
            `${label} ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`} before it was ready; its last lines:\n${lastLines()}`,
          )
        const status = await statusOf(`${url}/health/ready`)
        if (status === 200) return
        if (status !== 0) startup = await bodyOf(`${url}/health/startup`)
        if (Date.now() > deadlineMs)
          throw new Error(
            `${label} not ready after ${withinMs / 1000} s${startupTrouble(startup)}; its last lines:\n${lastLines()}`,
          )
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        if (exit || child.exitCode !== null || child.signalCode !== null) return
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exited
        clearTimeout(timer)
      })()),
  }
  started.push(built)
  return built
}

/**
 * The last `count` lines of a process's output, each pino JSON line brief (`12:00:01.234 WARN  msg key=…`), and a
 * run of lines that differ only in their numbers (a retried attempt) shown once, with how many there were.
 */
export function briefLines(output: string, count: number): string {
  const lines = output
    .trimEnd()
    .split('\n')
    .map((line) => formatLogLine(line, (_colour, text) => text))
  const runs: { line: string; times: number }[] = []
  for (const line of lines) {
    const last = runs.at(-1)
    if (last && last.line.replace(/\d+/g, '#') === line.replace(/\d+/g, '#')) {
      last.times++
      last.line = line
    } else runs.push({ line, times: 1 })
  }
  return runs
    .slice(-count)
    .map(({ line, times }) => `    ${line}${times > 1 ? `  (×${times})` : ''}`)
    .join('\n')
}

/**
 * What the tests of a file share, started in its `beforeAll` and awaited by each test: a failure to start fails
 * every test that needs it, with what broke (a failing hook would only mark them skipped).
 * @example
 * const stack = startedBeforeAll(() => startAllReady([startBuiltService('auth', { form: 'npm-start' })]))
 * it('…', async () => { const [auth] = await stack() })
 */
export function startedBeforeAll<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined
  beforeAll(() => {
    started = start()
    started.catch(() => undefined)
  })
  return () => started ?? Promise.reject(new Error('used before its beforeAll ran'))
}

/** Starts several at once; if one fails to get ready, stops them all and rethrows what broke. */
export async function startAllReady(
  starts: ReadonlyArray<Promise<BuiltService>>,
  withinMs?: number,
): Promise<BuiltService[]> {
  const settled = await Promise.allSettled(starts)
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []))
  const readiness = await Promise.allSettled(started.map((service) => service.ready(withinMs)))
  failures.push(...readiness.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : [])))
  if (failures.length > 0) {
    await Promise.all(started.map((service) => service.stop()))
    throw new Error(failures.map((failure) => failure.message).join('\n\n'))
  }
  return started
}

/** What a service's `/health/ready` answers now: its status, 0 when nothing answers. */
export function readyStatus(url: string): Promise<number> {
  return statusOf(`${url}/health/ready`)
}

async function statusOf(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) })
    await response.body?.cancel()
    return response.status
  } catch {
    return 0
  }
}

async function bodyOf(url: string): Promise<unknown> {
  try {
    return await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).json()
  } catch {
    return undefined
  }
}

/** `; stuck in phase cache (cache/redis failed 6 attempt(s), last TypeError: …)` from a `/health/startup` body. */
export function startupTrouble(body: unknown): string {
  interface Component {
    name: string
    phase: string
    state: string
    attempts: number
    errors: { code: string; message: string }[]
  }
  const doc = body as
    { phase?: string | null; report?: { phases?: { components?: Component[] }[] } } | undefined
  // What has not started and has failed attempts: a component that recovered is history, not the trouble.
  const troubled = (doc?.report?.phases ?? [])
    .flatMap((phase) => phase.components ?? [])
    .filter((component) => component.state !== 'started' && component.errors.length > 0)
    .map((c) => {
      const last = c.errors.at(-1)!
      return `${c.phase}/${c.name} failed ${c.attempts} attempt(s), last ${last.code}: ${last.message}`
    })
  if (!doc?.phase && troubled.length === 0) return ''
  return `; stuck in phase ${doc?.phase ?? '?'}${troubled.length ? ` (${troubled.join('; ')})` : ''}`
}
