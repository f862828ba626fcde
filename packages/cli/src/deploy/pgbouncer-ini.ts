import type { FleetConfig } from './fleet-schema.js'
import { fleetServices } from './fleet-schema.js'

/** Where the rendered PgBouncer looks for what the plan cannot know: the database host and the passwords. */
export const PGBOUNCER_PATHS = Object.freeze({
  config: '/etc/pgbouncer/pgbouncer.ini',
  /** The `[databases]` section, e.g. `tarmac = host=10.0.0.3 port=5432 dbname=tarmac` (a Secret: it names hosts). */
  databases: '/etc/pgbouncer/databases.ini',
  /** `"role" "password"` lines (SCRAM both ways). A Secret. */
  authFile: '/etc/pgbouncer/userlist.txt',
})

export const PGBOUNCER_PORT = 6432

/**
 * The `[pgbouncer]` settings for a plan's pooler, in a stable order: transaction pooling; `max_db_connections`
 * = the server connections the plan budgets for it (`default_pool_size` + `reserve_pool_size`); `max_client_conn`;
 * `server_login_retry` so a Postgres that restarts is retried, not hammered; and the startup parameters Tarmac's
 * clients send (`application_name`, tracked; the client's address appended).
 */
export function pgbouncerSettings(
  fleet: FleetConfig,
  paths: { authFile: string } = PGBOUNCER_PATHS,
): [string, string | number][] {
  const pooler = fleet.pooler
  if (!pooler) throw new Error('pgbouncerSettings: the fleet declares no pooler')
  return [
    ['listen_addr', '0.0.0.0'],
    ['listen_port', PGBOUNCER_PORT],
    ['unix_socket_dir', ''],
    ['auth_type', 'scram-sha-256'],
    ['auth_file', paths.authFile],
    ['pool_mode', 'transaction'],
    ['max_client_conn', pooler.maxClientConnections],
    ['default_pool_size', pooler.serverConnections - pooler.reservePoolSize],
    ['reserve_pool_size', pooler.reservePoolSize],
    ['reserve_pool_timeout', 3],
    ['max_db_connections', pooler.serverConnections],
    ['server_login_retry', Math.max(1, Math.ceil(pooler.serverLoginRetryMs / 1000))],
    ['server_connect_timeout', 15],
    ['server_idle_timeout', 600],
    ['query_wait_timeout', 120],
    ['ignore_startup_parameters', 'extra_float_digits'],
    ['application_name_add_host', 1],
    ['stats_users', 'pgbouncer_stats'],
  ]
}

/** pgbouncer.ini with a header saying where its numbers come from. */
export function renderPgBouncerIni(fleet: FleetConfig, source: string): string {
  const pooler = fleet.pooler!
  const pooled = fleetServices(fleet).filter((s) => s.database === 'pooler')
  const clients = pooled
    .map((s) => `${s.name} ${s.maxInstances + s.surgeInstances} × ${s.poolMax}`)
    .join(' + ')
  return [
    `;; Rendered by \`tarmac deploy render\` from ${source} (fleet.pooler) — do not edit; change the plan.`,
    ';; Transaction pooling: a server connection serves one transaction at a time, so Tarmac runs with',
    ';; DB_POOLER=transaction (migrations in one transaction under a transaction-scoped lock, no session state).',
    `;; Server side: at most ${pooler.serverConnections} connections per database to Postgres, per PgBouncer replica`,
    ';; (tarmac deploy check counts them against max_connections). Use one database and one role for the',
    ';; services, or the pools multiply.',
    `;; Client side: ${clients || 'no pooled service'} connections at most.`,
    `%include ${PGBOUNCER_PATHS.databases}`,
    '',
    '[pgbouncer]',
    ...pgbouncerSettings(fleet).map(([key, value]) => (value === '' ? `${key} =` : `${key} = ${value}`)),
    '',
  ].join('\n')
}
