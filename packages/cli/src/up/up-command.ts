import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@tarmac/postgres'
import { findRedisServer, getFreePort } from '@tarmac/postgres/cluster'
import { createStartup, failureLine, type ResourceHandle } from '@tarmac/startup'
import { intOption, paintFor, parseOptions, type Command } from '../command-io.js'
import { CliError } from '../errors.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import { CLI_DEFAULTS } from '../options.js'
import type { Colour } from '../style.js'
import { childServiceComponent, describeExit, type ServiceSpec } from './child-service.js'
import { formatLogLine, healthRequestFilter } from './log-line.js'
import { PhaseView } from './phase-view.js'
import { RESTART_DEFAULTS, RestartPolicy } from './restart-policy.js'
import type { Supervisor, SupervisorEvent } from './supervisor.js'
import { redisServerComponent, type LocalRedis } from './redis-server.js'
import { STACK_CONFIG_FILE, writeStackConfig } from './stack-config.js'
import { SUPERVISOR_FACTS_FILE, SupervisorFactsWriter } from './supervisor-facts.js'

/**
 * The order `up` starts things in; Ctrl-C stops them in reverse. The frontend comes first: it is the
 * cold-start collector, and it must be up to receive the report of a service that fails to start.
 */
export const UP_PHASES = ['database', 'frontend', 'auth', 'backend'] as const

export const UP_HELP = `tarmac up — run the whole stack locally

Starts one embedded Postgres (PGlite, data under .tarmac/), then frontend (:3000, when
services/frontend exists: it collects every service's cold-start report), auth (:8001) and
backend (:8000) as child processes. Each service
is ready when its /health/startup answers 200; meanwhile a live view shows its startup
phases. Logs are prefixed per service and pino JSON is printed briefly. Prints the URLs once
everything is ready. Ctrl-C stops everything gracefully in reverse order (a second Ctrl-C
exits at once).

Usage: tarmac up [options]

Options:
      --root DIR         the Tarmac checkout (default: found from the current directory)
      --data-dir DIR     embedded Postgres data (default ${CLI_DEFAULTS.up.dataDir}, under --root)
      --database-url URL use this Postgres instead of the embedded one (or set DATABASE_URL)
      --source           run services from src/ through tsx even when dist/ is built
      --only LIST        start only these services, comma-separated (e.g. auth,backend)
      --timeout MS       how long each service may take to start (default ${CLI_DEFAULTS.up.startupTimeoutMs})
      --ports LIST       other ports, e.g. auth=18001,backend=18000 (default auth=8001,
                         backend=8000, frontend=3000)
      --backends N       run N backends (default 1), named backend-1…backend-N, on the backend
                         port + 0, 10, 20…; the frontend balances across them (BACKEND_URLS)
                         and the status page shows each. N > 1 needs Redis for run events:
                         REDIS_URL (or --redis-url), else redis-server is started on a free port.
                         Writes ${STACK_CONFIG_FILE} for: tarmac monitor --config ${STACK_CONFIG_FILE}
      --redis-url URL    the Redis the backends share (or set REDIS_URL)
      --facts-file FILE  where up keeps what it supervises — each service's exits (code or
                         signal), restarts and pid — for tarmac diagnose on this machine
                         (default ${SUPERVISOR_FACTS_FILE}, under --root; removed when up stops)
      --no-restart       stop everything when one service exits (for CI); by default a service
                         that exits is restarted after a backoff (${RESTART_DEFAULTS.baseDelayMs / 1000} s doubling to ${RESTART_DEFAULTS.maxDelayMs / 1000} s,
                         jittered) while the others stay up
  -h, --help             this help

Example:
  npm start                       # builds, then: tarmac up
  tarmac up --only auth,backend   # no frontend
  tarmac up --backends 3          # three backends behind the frontend, Redis started if needed

A service that exits while running is reported as it ended ("exited with code 1", "was
killed by SIGKILL") and started again after a backoff; repeated crashes are summarised
("backend crashed 3 times in 60 s; next restart in 8 s"). The others keep running.

${exitCodesHelp({
  ok: 'stopped cleanly after Ctrl-C or SIGTERM (its normal end)',
  failed:
    'a service failed to start (the line names it and why), or, with --no-restart, exited while running',
  usage: 'invalid usage (or --backends N > 1 with no Redis to be had: CLI_ERR_REDIS_UNAVAILABLE)',
  interrupted: 'interrupted (Ctrl-C or SIGTERM) while starting: what had started is stopped',
})}`

const OPTIONS = {
  root: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  source: { type: 'boolean' },
  only: { type: 'string' },
  timeout: { type: 'string' },
  ports: { type: 'string' },
  backends: { type: 'string' },
  'redis-url': { type: 'string' },
  'no-restart': { type: 'boolean' },
  'facts-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The most backends `--backends` starts: each is a real process with its own startup and pool. */
const MAX_BACKENDS = 9

const PREFIX_COLOURS: Readonly<Record<string, Colour>> = {
  postgres: 'blue',
  auth: 'magenta',
  backend: 'cyan',
  frontend: 'green',
  redis: 'yellow',
  tarmac: 'bold',
}

/** `tarmac up`. */
export const upCommand: Command = async (argv, io) => {
  const { values } = parseOptions(argv, OPTIONS)
  if (values.help) {
    io.stdout.write(UP_HELP)
    return EXIT_CODES.ok
  }
  const root = resolve(io.cwd, values.root ?? findRoot(io.cwd))
  const timeoutMs = intOption(values.timeout, 'timeout', CLI_DEFAULTS.up.startupTimeoutMs)
  const paint = paintFor(io)
  const view = new PhaseView((text) => io.stdout.write(text), paint, io.stdout.isTTY === true)
  const width = 9
  const say = (who: string, text: string) =>
    view.line(
      `${paint(PREFIX_COLOURS[who] ?? PREFIX_COLOURS[who.replace(/-\d+$/, '')] ?? 'gray', `${who.padEnd(width)}│`)} ${text}`,
    )

  const ports = parsePorts(values.ports)
  const backendCount = intOption(values.backends, 'backends', 1)
  if (backendCount > MAX_BACKENDS)
    throw new CliError('CLI_ERR_USAGE', `--backends takes 1 to ${MAX_BACKENDS}, got ${backendCount}`)
  // One backend keeps its contract name and port; several are backend-1… on the port + 0, 10, 20…
  const backendsOf = Array.from({ length: backendCount }, (_, i) => ({
    name: backendCount === 1 ? 'backend' : `backend-${i + 1}`,
    port: ports.backend + i * 10,
  }))
  const urlOf = (name: keyof typeof ports) => `http://127.0.0.1:${ports[name]}`
  const wanted = values.only?.split(',').map((s) => s.trim()) ?? ['auth', 'backend', 'frontend']
  const services = (['frontend', 'auth', 'backend'] as const).filter(
    (name) => wanted.includes(name) && existsSync(join(root, 'services', name, 'package.json')),
  )
  if (services.length === 0)
    throw new CliError(
      'CLI_ERR_USAGE',
      `no services to start under ${root}/services (--only ${wanted.join(',')})`,
    )
  const externalDb = values['database-url'] ?? io.env.DATABASE_URL
  let databaseUrl = externalDb ?? ''
  const manyBackends = backendCount > 1 && services.includes('backend')
  let redisUrl = values['redis-url'] ?? io.env.REDIS_URL
  const redisBinary = manyBackends && !redisUrl ? findRedisServer(io.env) : undefined
  if (manyBackends && !redisUrl && !redisBinary)
    throw new CliError(
      'CLI_ERR_REDIS_UNAVAILABLE',
      `--backends ${backendCount} needs Redis: a reply streamed on one backend reaches the sockets of the others ` +
        'only through it. Set REDIS_URL (or --redis-url), or install redis-server (apt-get install -y redis-server)',
    )

  const startup = createStartup({
    name: 'tarmac',
    // Several backends start side by side; each takes its own connection and runs the same migrations safely.
    phases: UP_PHASES.map((phase) => (phase === 'backend' ? { name: phase, parallel: true } : phase)),
    deadlineMs: timeoutMs * (services.length + 1),
  })
  if (redisBinary) {
    const port = await getFreePort()
    startup.add<LocalRedis>(redisServerComponent(redisBinary, port, (line) => say('redis', line)))
    startup.on((event) => {
      if (event.type === 'component.started' && event.component === 'redis') {
        redisUrl = `redis://127.0.0.1:${port}`
        say('redis', `listening on ${redisUrl} (started for --backends ${backendCount})`)
      }
    })
  }
  if (!externalDb) {
    startup.add<EmbeddedPostgres>({
      name: 'postgres',
      phase: 'database',
      timeoutMs: 120_000,
      async start() {
        say('postgres', `starting embedded Postgres (data ${values['data-dir'] ?? CLI_DEFAULTS.up.dataDir})`)
        const db = await startEmbeddedPostgres({
          dataDir: resolve(root, values['data-dir'] ?? CLI_DEFAULTS.up.dataDir),
        })
        databaseUrl = db.url
        say('postgres', `listening on ${db.url}`)
        return db
      },
      stop: (db) => db.close(),
    })
  } else say('tarmac', 'using DATABASE_URL; no embedded Postgres')
  const backendUrls = backendsOf.map((backend) => `http://127.0.0.1:${backend.port}`)
  const env = (): Record<string, string> => ({
    DATABASE_URL: databaseUrl,
    AUTH_URL: urlOf('auth'),
    BACKEND_URL: backendUrls[0]!,
    ...(manyBackends && { BACKEND_URLS: backendUrls.join(','), DB_FLEET_SIZE: String(backendCount) }),
    ...(redisUrl && { REDIS_URL: redisUrl }),
    NODE_ENV: io.env.NODE_ENV ?? 'development',
    // Every service reports its cold starts to the frontend (loopback: no token needed locally).
    ...(services.includes('frontend') && { STARTUP_REPORT_URL: `${urlOf('frontend')}/startup-reports` }),
  })
  // Every process `up` runs: one per service, and one per backend instance.
  const children = services.flatMap((service): { name: string; port: number; service: string }[] =>
    service === 'backend'
      ? backendsOf.map((backend) => ({ ...backend, service }))
      : [{ name: service, port: ports[service], service }],
  )
  const filters = new Map(children.map(({ name }) => [name, healthRequestFilter()]))
  const keep = (service: string, line: string) => filters.get(service)?.(line) ?? true
  const supervised: { name: string; port: number; supervisor: ResourceHandle<Supervisor> }[] = []
  const facts = new SupervisorFactsWriter(resolve(root, values['facts-file'] ?? SUPERVISOR_FACTS_FILE))
  for (const { name, port, service } of children) {
    const spec: ServiceSpec = {
      name,
      dir: join(root, 'services', service),
      port,
      get env() {
        return env()
      },
    }
    const supervisor = startup.add<Supervisor>(
      childServiceComponent(spec, {
        restart: !values['no-restart'],
        policy: new RestartPolicy(),
        onEvent: (event) => {
          say(event.name, paint(event.type === 'restarted' ? 'green' : 'red', supervision(event)))
          void facts.record(event)
        },
        phase: service,
        timeoutMs,
        stopTimeoutMs: CLI_DEFAULTS.up.stopTimeoutMs,
        pollIntervalMs: CLI_DEFAULTS.up.pollIntervalMs,
        fromSource: values.source === true,
        onLine: (service, line) => {
          if (keep(service, line)) say(service, formatLogLine(line, paint))
        },
        onProgress: (progress) => view.update(progress, (text) => say(progress.service, text)),
      }),
    )
    supervised.push({ name, port, supervisor })
  }

  if (io.env.TARMAC_DEBUG) startup.on((event) => io.stderr.write(`[engine] ${JSON.stringify(event)}\n`))
  const started = performance.now()
  const stopOnSignal = () => void startup.shutdown('SIGINT')
  io.signal?.addEventListener('abort', stopOnSignal, { once: true })
  try {
    await startup.run()
  } catch (error) {
    view.close()
    if (io.signal?.aborted) return EXIT_CODES.interrupted
    io.stderr.write(`${failureLine('tarmac up', error, startup.report())}\n`)
    return EXIT_CODES.failed
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  say('tarmac', paint('green', `ready in ${seconds} s`))
  view.close()
  io.stdout.write(`${view.summary()}\n\n`)
  for (const { name, port, supervisor } of supervised) {
    const pid = supervisor.get().current?.child.pid
    await facts.started(name, `http://127.0.0.1:${port}`, pid)
    io.stdout.write(`  ${paint('bold', name.padEnd(width))} http://127.0.0.1:${port}  (pid ${pid ?? '?'})\n`)
  }
  if (!externalDb) io.stdout.write(`  ${paint('bold', 'postgres'.padEnd(width))} ${databaseUrl}\n`)
  if (redisUrl && manyBackends) io.stdout.write(`  ${paint('bold', 'redis'.padEnd(width))} ${redisUrl}\n`)
  let removeStackConfig: (() => Promise<void>) | undefined
  if (manyBackends) {
    removeStackConfig = await writeStackConfig(
      join(root, STACK_CONFIG_FILE),
      children.map(({ name, port }) => ({ name, url: `http://127.0.0.1:${port}` })),
      externalDb,
    )
    io.stdout.write(`\n  every instance: tarmac monitor --config ${STACK_CONFIG_FILE}\n`)
  }
  io.stdout.write(`\n  Ctrl-C to stop.\n`)

  // Runs until Ctrl-C; a service that exits is restarted by its supervisor, or, with --no-restart, stops everything.
  const ends = supervised.map(({ name, supervisor }) =>
    supervisor.get().ended.then((exit) => ({ name, exit })),
  )
  const aborted = new Promise<null>((resolve) => {
    if (io.signal?.aborted) resolve(null)
    io.signal?.addEventListener('abort', () => resolve(null), { once: true })
  })
  const first = await Promise.race([aborted, ...ends])
  if (first !== null) say('tarmac', paint('red', `${first.name} ended; stopping everything (--no-restart)`))
  else say('tarmac', 'stopping (Ctrl-C again to exit at once)')
  const stopped = await startup.shutdown(first === null ? 'SIGINT' : `${first.name} exited`)
  await removeStackConfig?.()
  await facts.remove()
  for (const phase of [...stopped.phases].reverse()) {
    for (const component of phase.components) {
      if (component.stopError)
        say('tarmac', paint('red', `${component.name} did not stop cleanly: ${component.stopError.message}`))
    }
  }
  const others = [...(redisBinary ? ['redis'] : []), ...(externalDb ? [] : ['postgres'])]
  say('tarmac', `stopped ${[...children.map((c) => c.name).reverse(), ...others].join(', ')}`)
  return first === null ? EXIT_CODES.ok : EXIT_CODES.failed
}

/** One line per supervision event: how a service ended, when it starts again, how that went. */
export function supervision(event: SupervisorEvent): string {
  switch (event.type) {
    case 'exited':
      return `${event.name} ${describeExit(event.exit)}${event.pid === undefined ? '' : ` (pid ${event.pid})`}`
    case 'restarting': {
      const next = `next restart in ${seconds(event.delayMs)}`
      return event.crashesInWindow > 1
        ? `${event.name} crashed ${event.crashesInWindow} times in ${RESTART_DEFAULTS.windowMs / 1000} s; ${next}`
        : `${event.name}: ${next}`
    }
    case 'restarted':
      return `${event.name} restarted (pid ${event.pid ?? '?'}, restart ${event.restarts}), ready in ${seconds(event.tookMs)}`
    case 'restart-failed':
      return `${event.name} did not start again: ${event.error instanceof Error ? event.error.message : String(event.error)}`
  }
}

const seconds = (ms: number) => `${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`

/** `auth=18001,backend=18000` over the contract ports. */
export function parsePorts(text: string | undefined): { auth: number; backend: number; frontend: number } {
  const ports = { auth: 8001, backend: 8000, frontend: 3000 }
  for (const part of text?.split(',') ?? []) {
    const [name, value] = part.split('=').map((s) => s.trim())
    const port = Number(value)
    if (
      !(name === 'auth' || name === 'backend' || name === 'frontend') ||
      !Number.isInteger(port) ||
      port < 1 ||
      port > 65_535
    ) {
      throw new CliError(
        'CLI_ERR_USAGE',
        `--ports takes name=port pairs for auth, backend, frontend; got "${part}"`,
      )
    }
    ports[name] = port
  }
  return ports
}

/** The Tarmac checkout: the nearest directory up from `cwd` whose package.json is named `tarmac`, else this CLI's. */
export function findRoot(cwd: string): string {
  for (const start of [cwd, dirname(fileURLToPath(import.meta.url))]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const manifest = join(dir, 'package.json')
      if (
        existsSync(manifest) &&
        (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tarmac'
      )
        return dir
      if (dirname(dir) === dir) break
    }
  }
  return cwd
}
