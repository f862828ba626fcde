import type { Queryable } from './capacity.js'
import { toPostgresError } from './classify.js'
import { PostgresError } from './errors.js'
import type { Migration } from './migration-source.js'

/** How often a runner that does not hold the migration lock tries again. */
export const LOCK_POLL_MS = 100

/** The bookkeeping table: one row per applied migration. */
export const MIGRATIONS_TABLE = 'tarmac_migrations'

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** The bookkeeping table's name, checked: it is interpolated into SQL. */
export function tableOf(table: string | undefined): string {
  const name = table ?? MIGRATIONS_TABLE
  if (!TABLE_NAME.test(name)) {
    throw new PostgresError(
      'PG_ERR_INVALID_OPTIONS',
      `migrations table "${name}" must match ${TABLE_NAME.source}`,
    )
  }
  return name
}

export const createTableSql = (table: string) => `create table if not exists ${table} (
  name text primary key, checksum text not null,
  applied_at timestamptz not null default now(), duration_ms integer not null)`

/**
 * Inside an open transaction: applies one migration and records it, or skips it when it is recorded already
 * (under a table lock, so a server where advisory locks do not conflict still applies it once). Returns its
 * duration, or undefined when skipped. A recorded migration whose file changed is `PG_ERR_MIGRATION_CHANGED`.
 */
export async function applyInTransaction(
  client: Queryable,
  migration: Migration,
  table: string,
): Promise<number | undefined> {
  await client.query(`lock table ${table} in share row exclusive mode`)
  const existing = await client.query<{ checksum: string }>(`select checksum from ${table} where name = $1`, [
    migration.name,
  ])
  const recorded = existing.rows[0]
  if (recorded) {
    if (recorded.checksum !== migration.checksum) throw changed(migration, recorded.checksum)
    return undefined
  }
  const startedMs = performance.now()
  try {
    await client.query(migration.sql)
  } catch (error) {
    throw new PostgresError(
      'PG_ERR_MIGRATION_FAILED',
      `migration ${migration.name} failed: ${errorText(error)}`,
      {
        cause: error,
        sqlState: sqlStateOf(error),
      },
    )
  }
  const durationMs = Math.round(performance.now() - startedMs)
  await client.query(`insert into ${table} (name, checksum, duration_ms) values ($1, $2, $3)`, [
    migration.name,
    migration.checksum,
    durationMs,
  ])
  return durationMs
}

export function changed(migration: Migration, recordedChecksum: string): PostgresError {
  return new PostgresError(
    'PG_ERR_MIGRATION_CHANGED',
    `migration ${migration.name} was applied with checksum ${recordedChecksum.slice(0, 12)}… but the file now has ${migration.checksum.slice(0, 12)}…: add a new migration instead of editing an applied one`,
  )
}

/** Waits `LOCK_POLL_MS`, or less when the signal fires; throws `PG_ERR_ABORTED` if it had fired already. */
export async function pauseForLock(signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) {
    throw new PostgresError('PG_ERR_ABORTED', 'aborted while waiting for the migration lock', {
      cause: signal.reason,
    })
  }
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, LOCK_POLL_MS)
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** Runs a query, mapping a failure to a classified `PostgresError` that says what was being done. */
export async function run<T>(action: () => Promise<T>, what: string): Promise<T> {
  try {
    return await action()
  } catch (error) {
    throw toPostgresError(error, { what })
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
