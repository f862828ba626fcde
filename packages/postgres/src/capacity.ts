import type { QueryResult, QueryResultRow } from 'pg'
import { toPostgresError } from './classify.js'

/** Anything that runs a query: a `pg.Client`, a `pg.Pool`, a `PoolClient`. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>
}

/**
 * Connection slots on the server. On the embedded server (PGlite) every connection shares one backend,
 * so `pg_stat_activity` cannot count them: `embedded` is true and `inUse`/`available` are null.
 */
export interface ServerCapacity {
  readonly embedded: boolean
  readonly serverVersion: string
  readonly maxConnections: number
  /** `superuser_reserved_connections` + `reserved_connections` (PostgreSQL 16+; 0 before). */
  readonly reserved: { readonly superuser: number; readonly roles: number; readonly total: number }
  /** Client backends on the whole server (slots are server-wide, not per database). */
  readonly inUse: number | null
  readonly byState: Readonly<Record<string, number>>
  readonly byApplication: Readonly<Record<string, number>>
  /** Slots an ordinary (non-superuser) role can still take: max − reserved − inUse. */
  readonly available: number | null
  readonly observedAtMs: number
}

/** How an embedded server is recognised: PGlite puts its name in `version()`. */
export function isEmbeddedVersion(version: string): boolean {
  return /\bPGlite\b/i.test(version)
}

const SETTINGS_SQL = `select version() as version,
  current_setting('max_connections')::int as max_connections,
  current_setting('superuser_reserved_connections')::int as superuser_reserved,
  coalesce(current_setting('reserved_connections', true), '0')::int as roles_reserved`

const ACTIVITY_SQL = `select coalesce(state, 'unknown') as state, coalesce(application_name, '') as application_name,
  count(*)::int as n from pg_stat_activity where backend_type = 'client backend' group by 1, 2`

/**
 * Reads the server's connection capacity facts with two short queries.
 * @example
 * const { available, byApplication } = await capacity(pool)
 */
export async function capacity(queryable: Queryable): Promise<ServerCapacity> {
  try {
    const settings = await queryable.query<{
      version: string
      max_connections: number
      superuser_reserved: number
      roles_reserved: number
    }>(SETTINGS_SQL)
    const row = settings.rows[0]
    if (!row) throw new Error('settings query returned no row')
    const embedded = isEmbeddedVersion(row.version)
    const reserved = {
      superuser: row.superuser_reserved,
      roles: row.roles_reserved,
      total: row.superuser_reserved + row.roles_reserved,
    }
    const base = { serverVersion: row.version, maxConnections: row.max_connections, reserved }
    if (embedded) {
      return {
        ...base,
        embedded,
        inUse: null,
        byState: {},
        byApplication: {},
        available: null,
        observedAtMs: Date.now(),
      }
    }
    const activity = await queryable.query<{ state: string; application_name: string; n: number }>(
      ACTIVITY_SQL,
    )
    const byState: Record<string, number> = {}
    const byApplication: Record<string, number> = {}
    let inUse = 0
    for (const { state, application_name: app, n } of activity.rows) {
      inUse += n
      byState[state] = (byState[state] ?? 0) + n
      byApplication[app] = (byApplication[app] ?? 0) + n
    }
    const available = Math.max(0, row.max_connections - reserved.total - inUse)
    return { ...base, embedded, inUse, byState, byApplication, available, observedAtMs: Date.now() }
  } catch (error) {
    throw toPostgresError(error, { what: 'reading server capacity' })
  }
}
