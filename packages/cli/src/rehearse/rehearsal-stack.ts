import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { getFreePort, startPrivateCluster, type PrivateCluster } from '@tarmac/postgres/cluster'
import { sleep } from '@tarmac/startup'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import { commandOf } from '../up/child-service.js'

/** The app role the services connect as: not a superuser, so reserved slots stay free for diagnose. */
export const REHEARSAL_ROLE = 'tarmac_app'
export const REHEARSAL_DATABASES = Object.freeze({ backend: 'rehearse_backend', auth: 'rehearse_auth' })

/** A service process of the rehearsal. */
export interface RehearsalProcess {
  readonly name: string
  readonly url: string
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  /** The last lines it wrote to stderr (for a report when it does not do what the scenario expects). */
  stderrTail(): string
  stop(): Promise<void>
}

/** What stays up across scenarios: the database, auth on its own database, the frontend as the collector. */
export interface RehearsalStack {
  readonly root: string
  readonly fromSource: boolean
  readonly cluster: PrivateCluster
  readonly appPassword: string
  readonly auth: RehearsalProcess
  readonly frontend: RehearsalProcess
  /** `postgres://tarmac_app:…@127.0.0.1:<port>/<database>`, straight to the cluster. */
  appUrl(
    database: string,
    overrides?: { host?: string; port?: number; password?: string; query?: string },
  ): string
  /**
   * Starts a backend: the first of a scenario (`index` 0) on the port the frontend knows as BACKEND_URL, the
   * others on free ports.
   */
  launchBackend(env: Record<string, string>, index: number): Promise<RehearsalProcess>
  stop(): Promise<void>
}

/** Starts a service (`dist/main.js`, or its source through tsx) on a free port with `env`. */
async function launchService(
  root: string,
  name: string,
  env: Record<string, string>,
  fromSource: boolean,
  port: number,
): Promise<RehearsalProcess> {
  const dir = join(root, 'services', name === 'frontend' ? 'frontend' : name)
  const { command, args, env: watchEnv } = commandOf({ name, dir, port, env }, fromSource)
  const child = spawn(command, args, {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      ...env,
      ...watchEnv,
      PORT: String(port),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let tail = ''
  child.stderr?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4_000)))
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.removeListener('exit', killOnExit)
      resolve(code)
    }),
  )
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    exited,
    stderrTail: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Resolves once the process answers `/health/ready` 200, exits, or `timeoutMs` passes. */
export async function settle(
  process: RehearsalProcess,
  timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  let exited = false
  void process.exited.then(() => (exited = true))
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (exited) return 'exited'
    const response = await fetchHealth(`${process.url}/health/ready`, { timeoutMs: 2_000 })
    if (!isFetchFailure(response) && response.status === 200) return 'ready'
    await sleep(200, new AbortController().signal)
  }
  return exited ? 'exited' : 'timeout'
}

/**
 * The part of a rehearsal that does not change between scenarios: a private PostgreSQL (30 slots, 3 reserved
 * for superusers, WAL for a standby), the app role and its databases, auth on its own database straight to
 * the cluster (so only the backend's path carries the injected fault), and the frontend as the cold-start
 * collector the backends report to.
 */
export async function startRehearsalStack(options: {
  root: string
  fromSource: boolean
}): Promise<RehearsalStack> {
  const cluster = await startPrivateCluster({
    maxConnections: 30,
    settings: { superuser_reserved_connections: 3, wal_level: 'replica', max_wal_senders: 3 },
  })
  const appPassword = `app_${Math.random().toString(36).slice(2)}`
  const started: RehearsalProcess[] = []
  try {
    await cluster.sql(`create role ${REHEARSAL_ROLE} login password '${appPassword}'`)
    for (const database of Object.values(REHEARSAL_DATABASES))
      await cluster.sql(`create database ${database} owner ${REHEARSAL_ROLE}`)
    const appUrl: RehearsalStack['appUrl'] = (database, overrides = {}) => {
      const host = overrides.host ?? '127.0.0.1'
      const port = overrides.port ?? cluster.port
      const query = overrides.query === undefined ? '' : `?${overrides.query}`
      return `postgres://${REHEARSAL_ROLE}:${encodeURIComponent(overrides.password ?? appPassword)}@${host}:${port}/${database}${query}`
    }
    const startSettled = async (name: string, env: Record<string, string>) => {
      const service = await launchService(options.root, name, env, options.fromSource, await getFreePort())
      started.push(service)
      if ((await settle(service, 120_000)) !== 'ready')
        throw new Error(
          `${service.name} did not start: ${service.stderrTail().split('\n').slice(-5).join(' | ')}`,
        )
      return service
    }
    const auth = await startSettled('auth', { DATABASE_URL: appUrl(REHEARSAL_DATABASES.auth) })
    // Every scenario's backend listens on the same port, so the frontend's view of it is real evidence.
    const backendPort = await getFreePort()
    // Only the collector and the reachability checks are needed: production mode serves no unbuilt app.
    const frontend = await startSettled('frontend', {
      AUTH_URL: auth.url,
      BACKEND_URL: `http://127.0.0.1:${backendPort}`,
      NODE_ENV: 'production',
    })
    return {
      root: options.root,
      fromSource: options.fromSource,
      cluster,
      appPassword,
      auth,
      frontend,
      appUrl,
      launchBackend: async (env, index) =>
        launchService(
          options.root,
          'backend',
          env,
          options.fromSource,
          index === 0 ? backendPort : await getFreePort(),
        ),
      async stop() {
        for (const service of started.reverse()) await service.stop()
        await cluster.stop()
      },
    }
  } catch (error) {
    for (const service of started.reverse()) await service.stop()
    await cluster.stop()
    throw error
  }
}
