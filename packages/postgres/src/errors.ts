import { defineFaults } from '@tarmac/faults'

/**
 * A retryable code that reaches a request at run time (the database away, out of slots, the pool full): 503,
 * answered as `@tarmac/service`'s `DEPENDENCY_UNAVAILABLE` with its `Retry-After`, the same in every service.
 */
const AT_RUN_TIME_A_503 = { status: 503, answersAs: 'DEPENDENCY_UNAVAILABLE' } as const

/**
 * Every error this package throws is a `PostgresError` with one of these codes, declared with its fault domain
 * and layer (`@tarmac/faults`). Whether the startup engine should try again is decided by the code
 * (`retryable`), never by message text.
 */
export const POSTGRES_FAULTS = defineFaults('@tarmac/postgres', {
  PG_ERR_TIMEOUT: {
    retryable: true,
    ...AT_RUN_TIME_A_503,
    domain: 'infrastructure',
    layer: 'tcp',
    meaning: 'the connect or query did not finish within its timeout',
    action: 'look at `phase`: `tcp` is the network path or connector, `auth` a slow or overloaded server',
  },
  PG_ERR_ABORTED: {
    retryable: true,
    ...AT_RUN_TIME_A_503,
    defers: true,
    domain: 'infrastructure',
    layer: 'startup',
    meaning: "the attempt's signal fired (attempt timeout, deadline, shutdown)",
    action: 'nothing, if the engine aborted it; else see why the caller aborted',
  },
  PG_ERR_UNREACHABLE: {
    retryable: true,
    ...AT_RUN_TIME_A_503,
    domain: 'infrastructure',
    layer: 'tcp',
    meaning: 'connection refused or network unreachable',
    action: 'is the server up and listening on that host/port; firewall, VPC connector',
  },
  PG_ERR_SOCKET_NOT_FOUND: {
    retryable: false,
    domain: 'configuration',
    layer: 'tcp',
    meaning:
      'no Unix socket at `<host>/.s.PGSQL.<port>`: on Cloud Run, the Cloud SQL instance is not mounted on the service (`run.googleapis.com/cloudsql-instances`) or `host=/cloudsql/…` names another instance',
    action:
      "make `host=/cloudsql/PROJECT:REGION:INSTANCE` the instance's connection name and mount it on the service; `tarmac deploy verify` compares both",
  },
  PG_ERR_CONNECTION_LOST: {
    retryable: true,
    ...AT_RUN_TIME_A_503,
    domain: 'infrastructure',
    layer: 'tcp',
    meaning: 'the server or a proxy closed the connection midway',
    action: 'server restart, proxy idle timeout, connector reset',
  },
  PG_ERR_HOST_NOT_FOUND: {
    retryable: false,
    domain: 'infrastructure',
    layer: 'dns',
    meaning: 'the host name does not resolve',
    action: 'fix the host in `DATABASE_URL`, or the DNS zone the service resolves in',
  },
  PG_ERR_TLS_FAILED: {
    retryable: false,
    domain: 'infrastructure',
    layer: 'tls',
    meaning: 'TLS handshake failed, certificate rejected, or the server does not offer SSL',
    action: 'check `sslmode`, the CA and the server certificate, and that the server has SSL on',
  },
  PG_ERR_AUTH_FAILED: {
    retryable: false,
    domain: 'configuration',
    layer: 'postgres-auth',
    meaning: 'user or password rejected (28P01, 28000)',
    action: 'fix the credentials or `pg_hba.conf`',
  },
  PG_ERR_DATABASE_NOT_FOUND: {
    retryable: false,
    domain: 'configuration',
    layer: 'postgres-auth',
    meaning: 'the database in the URL does not exist (3D000)',
    action: 'create it or fix the name',
  },
  PG_ERR_TOO_MANY_CONNECTIONS: {
    retryable: true,
    ...AT_RUN_TIME_A_503,
    domain: 'infrastructure',
    layer: 'postgres-capacity',
    meaning: 'the server is out of slots (53300)',
    action: 'lower pool `max` × instances (`DB_FLEET_SIZE`); look at `capacity().byApplication`',
  },
  PG_ERR_STARTING_UP: {
    retryable: true,
    ...AT_RUN_TIME_A_503,
    domain: 'infrastructure',
    layer: 'postgres-availability',
    meaning: 'the server is starting or shutting down (57P03)',
    action: 'wait: the engine retries; if it lasts, look at the database host (failover, recovery)',
  },
  PG_ERR_QUERY_FAILED: {
    retryable: false,
    // Judged by its SQLSTATE's class (the cause): 42… a statement the application sent, 53100 the server's disk.
    defers: true,
    domain: 'application',
    layer: 'application',
    meaning: 'a query of this package failed on the server; the SQLSTATE (its cause) says whose move',
    action: 'read `sqlState` and `cause`',
  },
  PG_ERR_CONNECT_FAILED: {
    retryable: true,
    ...AT_RUN_TIME_A_503,
    defers: true,
    domain: 'infrastructure',
    layer: 'tcp',
    meaning: 'connecting failed for an unclassified reason',
    action: 'read `errorClass` and `cause`',
  },
  PG_ERR_MIGRATION_FAILED: {
    retryable: false,
    // Judged by its SQLSTATE's class (the cause): 42501 is a missing grant, 42P07 the migration's own SQL.
    defers: true,
    domain: 'application',
    layer: 'application',
    meaning: 'a migration failed and was rolled back',
    action: 'fix the SQL; `sqlState` and `cause` say why',
  },
  PG_ERR_MIGRATION_CHANGED: {
    retryable: false,
    domain: 'application',
    layer: 'application',
    meaning: 'an applied migration file changed (checksum)',
    action: 'restore the file; put the change in a new migration',
  },
  PG_ERR_POOL_EXHAUSTED: {
    retryable: true,
    ...AT_RUN_TIME_A_503,
    domain: 'application',
    layer: 'pool',
    meaning: 'every pool connection stayed busy past `acquireTimeoutMs`',
    action: 'raise `max` within the budget, shorten transactions, find leaked clients',
  },
  PG_ERR_INVALID_OPTIONS: {
    retryable: false,
    domain: 'application',
    layer: 'application',
    meaning: 'options failed validation (every problem is listed)',
    action: 'fix the call',
  },
  PG_ERR_SERVER_TOOLS_MISSING: {
    retryable: false,
    domain: 'configuration',
    layer: 'process',
    meaning:
      'a private cluster was asked for, and the PostgreSQL server tools (initdb, pg_ctl) are not installed',
    action: '`apt-get install -y postgresql`, or point `TARMAC_PG_BIN` at the directory holding `initdb`',
  },
  PG_ERR_EMBEDDED_FAILED: {
    retryable: false,
    domain: 'configuration',
    layer: 'process',
    meaning: 'the embedded server could not start, or its data dir is locked by a live pid',
    action: "stop that process or use another `dataDir`; `cause` has PGlite's error",
  },
})

/** The codes, in the catalog's order. */
export const POSTGRES_ERROR_CODES = POSTGRES_FAULTS.codes

export type PostgresErrorCode = (typeof POSTGRES_FAULTS.codes)[number]

/** The connection phase an error happened in, as `@tarmac/probe` names them (`dns`, `tcp`, `auth`…). */
export type PostgresPhase = string

export interface PostgresErrorOptions {
  readonly cause?: unknown
  /** The finer error class, e.g. `@tarmac/probe`'s `TCP_REFUSED`, or a SQLSTATE-derived name. */
  readonly errorClass?: string
  readonly phase?: PostgresPhase
  readonly sqlState?: string
}

/**
 * The one error class of `@tarmac/postgres`.
 * @example
 * try { await connect(url) } catch (e) { if (e instanceof PostgresError && e.retryable) retryLater() }
 */
export class PostgresError extends Error {
  override readonly name = 'PostgresError'
  readonly retryable: boolean
  readonly errorClass: string | undefined
  readonly phase: PostgresPhase | undefined
  readonly sqlState: string | undefined

  constructor(
    readonly code: PostgresErrorCode,
    message: string,
    options: PostgresErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.retryable = POSTGRES_FAULTS.specs[code].retryable
    this.errorClass = options.errorClass
    this.phase = options.phase
    this.sqlState = options.sqlState
  }

  /**
   * The facts a startup report records beside the code (`@tarmac/startup` reads `evidence`): the probe's error
   * class, the connection phase it failed in, the SQLSTATE, and the phase timings up to the failure.
   */
  get evidence(): Readonly<Record<string, unknown>> {
    const phases = (this.cause as { phases?: unknown } | undefined)?.phases
    return {
      ...(this.errorClass !== undefined && { errorClass: this.errorClass }),
      ...(this.phase !== undefined && { phase: this.phase }),
      ...(this.sqlState !== undefined && { sqlState: this.sqlState }),
      ...(typeof phases === 'object' && phases !== null && { timingsMs: phases }),
    }
  }
}

/** Whether an error is worth another attempt: use it as a startup component's `retry.retryable`. */
export function isRetryablePostgresError(error: unknown): boolean {
  if (error instanceof PostgresError) return error.retryable
  return false
}

/** Replaces `user:password@` (and a `password=` query parameter) in a connection string. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@').replace(/(password=)[^&]*/gi, '$1***')
}
