import { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import pg from 'pg'
import { classifyError } from './classify-error.js'
import { Deadline } from './deadline.js'
import { ProbeError, isProbeErrorClass } from './errors.js'
import { z } from 'zod'
import { PROBE_DEFAULTS, PROBE_OPTIONS_SCHEMA, resolveProbeOptions } from './options.js'
import { PhaseClock } from './phase-clock.js'
import type { PhaseTimings } from './phases.js'
import { redactUrl } from './redact.js'
import { resolveHost } from './resolve-host.js'
import { connectTcp, connectUnixSocket } from './tcp-connect.js'

export interface PostgresConnectOptions {
  /** Aborting it destroys the socket at once and rejects with the phase in progress. */
  signal?: AbortSignal
  /** Deadline for the whole connect (dns → first query), default 30 000 ms. */
  timeoutMs?: number
  applicationName?: string
  /** Passed to `pg.Client`; `connectionString` and `stream` are set by connectPostgres. */
  clientConfig?: Partial<pg.ClientConfig>
}

/** How a connection reached the server: a host and port, or a Unix socket in a directory. */
export const POSTGRES_TRANSPORTS = ['tcp', 'unix'] as const
export type PostgresTransport = (typeof POSTGRES_TRANSPORTS)[number]

/**
 * Milliseconds per phase, rounded to 0.1; a phase that did not run (no SSL) is 0. Over a Unix socket
 * (`transport: 'unix'`, e.g. Cloud Run's `/cloudsql/PROJECT:REGION:INSTANCE`) there is no DNS lookup and no TCP
 * connect: `dnsMs` and `tcpMs` are 0 because they did not happen, and `socketMs` is the local socket connect.
 * Whatever a Cloud SQL proxy behind the socket does to reach the database shows in `authMs`.
 */
export interface PostgresConnectTimings {
  transport: PostgresTransport
  dnsMs: number
  tcpMs: number
  /** Only over a Unix socket: connecting the socket file. */
  socketMs?: number
  sslMs: number
  authMs: number
  firstQueryMs: number
  totalMs: number
}

export interface PostgresConnection {
  /** Connected and ready; the caller owns it (attach an `error` listener, `end()` it). */
  client: pg.Client
  timings: PostgresConnectTimings
  serverVersion: string
}

const CONNECT_OPTIONS_SCHEMA = PROBE_OPTIONS_SCHEMA.extend({
  applicationName: z.string().optional(),
  clientConfig: z
    .custom<Partial<pg.ClientConfig>>(
      (value) => typeof value === 'object' && value !== null,
      'must be an object',
    )
    .optional(),
} satisfies Record<Exclude<keyof PostgresConnectOptions, 'signal' | 'timeoutMs'>, z.ZodType>)

/**
 * Opens a timed Postgres connection: resolves DNS and opens the TCP socket itself (or, for a host that is a
 * socket directory — `?host=/cloudsql/P:R:I` — connects `<dir>/.s.PGSQL.<port>`, phase `socket`), hands the
 * socket to `pg.Client` (`stream` option), times SSL negotiation (when sslmode asks for it), startup +
 * authentication, and a first `select 1`. On timeout or abort the socket is destroyed at once, so
 * the server backend goes away too (node-postgres #3543), and it rejects with a `ProbeError` whose
 * `phase` is the phase in progress. Every failure is a `ProbeError` with a classified `code`,
 * `phase`, `sqlState` (server errors), `phases` so far and `cause`.
 * @example
 * const { client, timings } = await connectPostgres(process.env.DATABASE_URL!, { timeoutMs: 30_000 })
 */
export async function connectPostgres(
  url: string,
  options: PostgresConnectOptions = {},
): Promise<PostgresConnection> {
  const { signal, timeoutMs } = resolveProbeOptions(
    options,
    PROBE_DEFAULTS.postgresTimeoutMs,
    CONNECT_OPTIONS_SCHEMA,
  )
  const socket = new Socket()
  const client = createClient(url, options, socket)
  const { timings, serverVersion } = await connectPostgresClient(client, socket, {
    timeoutMs,
    ...(signal ? { signal } : {}),
  })
  return { client, timings, serverVersion }
}

/**
 * The timed connect of `connectPostgres`, for a `pg.Client` you built yourself (a pool's client class) with
 * `stream: () => socket`: resolves the client's host, opens `socket`, hands it over, times ssl, startup +
 * authentication and a first `select 1`. Same errors and abort behaviour as `connectPostgres`.
 * @example
 * const socket = new Socket()
 * const client = new pg.Client({ connectionString: url, stream: () => socket })
 * const { timings } = await connectPostgresClient(client, socket, { timeoutMs: 30_000 })
 */
export async function connectPostgresClient(
  client: pg.Client,
  socket: Socket,
  options: { readonly signal?: AbortSignal; readonly timeoutMs: number },
): Promise<{ timings: PostgresConnectTimings; serverVersion: string }> {
  const socketPath = unixSocketPathOf(client)
  const clock = new PhaseClock(socketPath === undefined ? 'dns' : 'socket')
  const deadline = new Deadline(options.timeoutMs, options.signal)
  const connection = client.connection
  let serverVersion: string | undefined
  connection.on('parameterStatus', (message: { parameterName?: string; parameterValue?: string }) => {
    if (message.parameterName === 'server_version') serverVersion = message.parameterValue
  })
  const destroy = (): void => {
    client.on('error', () => undefined) // the client is discarded: its late 'error' must not crash the process
    connection.stream.destroy()
    socket.destroy()
  }
  try {
    if (socketPath === undefined) {
      const addresses = await resolveHost(client.host, deadline, clock)
      await connectTcp(addresses, client.port, deadline, socket)
    } else await connectUnixSocket(socketPath, deadline, socket)
    handOver(socket)
    if (client.ssl) {
      clock.lap('ssl')
      connection.once('sslconnect', () => {
        ;(connection.stream as TLSSocket).once('secureConnect', () => clock.lap('auth'))
      })
    } else {
      clock.lap('auth')
    }
    // The prototype's connect, not `client.connect`: a subclass may route its own `connect()` here.
    await deadline.guard(pgConnect.call(client), () => clock.current, destroy)
    clock.lap('firstQuery')
    await deadline.guard(client.query('select 1'), () => 'firstQuery', destroy)
    clock.stop()
    const timings = timingsOf(clock.phases, clock.totalMs, socketPath === undefined ? 'tcp' : 'unix')
    if (serverVersion === undefined) {
      const { rows } = await deadline.guard(
        client.query<{ server_version: string }>('show server_version'),
        () => 'firstQuery',
        destroy,
      )
      serverVersion = rows[0]?.server_version ?? 'unknown'
    }
    return { timings, serverVersion }
  } catch (error) {
    destroy()
    if (error instanceof ProbeError && !isProbeErrorClass(error.code)) throw error
    const failure = classifyError(error, clock.current)
    clock.stop()
    throw new ProbeError(failure.class, failure.message, {
      phase: failure.phase,
      sqlState: failure.sqlState,
      phases: clock.phases,
      cause: error instanceof ProbeError ? error.cause : error,
    })
  } finally {
    deadline.dispose()
  }
}

// eslint-disable-next-line @typescript-eslint/unbound-method -- called with the client as `this`
const pgConnect = pg.Client.prototype.connect as (this: pg.Client) => Promise<unknown>

/** pg's own rule: a host that starts with `/` is the directory of a Unix socket named `.s.PGSQL.<port>`. */
function unixSocketPathOf(client: pg.Client): string | undefined {
  return client.host.startsWith('/') ? `${client.host}/.s.PGSQL.${client.port}` : undefined
}

function createClient(url: string, options: PostgresConnectOptions, socket: Socket): pg.Client {
  // Not `new URL`: `postgres://user:pw@/db?host=/cloudsql/P:R:I` (Google's own form for the Cloud SQL socket)
  // has credentials without a host, which WHATWG URLs reject and pg accepts.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(String(url))?.[1]?.toLowerCase()
  if (scheme === undefined) {
    throw new ProbeError('PROBE_ERR_INVALID_TARGET', `invalid Postgres URL: ${redactUrl(String(url))}`)
  }
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new ProbeError('PROBE_ERR_INVALID_TARGET', `expected a postgres: URL, got ${scheme}:`)
  }
  let client: pg.Client
  try {
    client = new pg.Client({
      ...options.clientConfig,
      ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
      connectionString: url,
      stream: () => socket,
    })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ProbeError('PROBE_ERR_INVALID_TARGET', `invalid Postgres URL ${redactUrl(url)}: ${reason}`, {
      cause: error,
    })
  }
  if (!client.host) {
    throw new ProbeError(
      'PROBE_ERR_INVALID_TARGET',
      'connectPostgres needs a host, or a socket directory as `?host=/path`',
    )
  }
  return client
}

/**
 * pg calls `stream.connect(port, host)` and waits for `connect`; the socket is connected already,
 * so that call only re-announces it (on the next tick, after pg has attached its listener).
 */
function handOver(socket: Socket): void {
  socket.connect = () => {
    process.nextTick(() => socket.emit('connect'))
    return socket
  }
}

function timingsOf(
  phases: PhaseTimings,
  totalMs: number,
  transport: PostgresTransport,
): PostgresConnectTimings {
  return {
    transport,
    dnsMs: phases.dns ?? 0,
    tcpMs: phases.tcp ?? 0,
    ...(transport === 'unix' && { socketMs: phases.socket ?? 0 }),
    sslMs: phases.ssl ?? 0,
    authMs: phases.auth ?? 0,
    firstQueryMs: phases.firstQuery ?? 0,
    totalMs,
  }
}
