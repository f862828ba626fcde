import { createHash } from 'node:crypto'
import type { Queryable } from './capacity.js'
import { toPostgresError } from './classify.js'
import { PostgresError } from './errors.js'
import { prepareMigrations, loadMigrations, type Migration, type MigrationInput } from './migration-source.js'
import { defaults } from './options.js'

/** How often a runner that does not hold the migration lock tries again. */
const LOCK_POLL_MS = 100

/** The bookkeeping table: one row per applied migration. */
export const MIGRATIONS_TABLE = 'tarmac_migrations'

export interface MigrateOptions {
  /** A directory of `NNNN_name.sql` files, or the migrations themselves. */
  readonly migrations: string | readonly MigrationInput[]
  /** Names the advisory lock; services sharing a database and a lock name never migrate at once. */
  readonly lockName?: string
  /**
   * The bookkeeping table. Default `tarmac_migrations`. Services that share one database (auth and backend on
   * the embedded server under `tarmac up`) each need their own, or their `0001_…` files would collide.
   */
  readonly table?: string
  /** Stops before the next migration when it fires (the one running finishes or rolls back). */
  readonly signal?: AbortSignal
}

export interface MigrationResult {
  readonly applied: readonly { readonly name: string; readonly durationMs: number }[]
  /** Migrations that were already applied (by this or another instance). */
  readonly skipped: readonly string[]
}

/** The 64-bit `pg_advisory_lock` key for a lock name: the first 8 bytes of its sha256, signed. */
export function advisoryLockKey(lockName: string): string {
  return createHash('sha256').update(lockName).digest().readBigInt64BE(0).toString()
}

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** The bookkeeping table's name, checked: it is interpolated into SQL. */
function tableOf(options: MigrateOptions): string {
  const table = options.table ?? MIGRATIONS_TABLE
  if (!TABLE_NAME.test(table)) {
    throw new PostgresError(
      'PG_ERR_INVALID_OPTIONS',
      `migrations table "${table}" must match ${TABLE_NAME.source}`,
    )
  }
  return table
}

const createTable = (table: string) => `create table if not exists ${table} (
  name text primary key, checksum text not null,
  applied_at timestamptz not null default now(), duration_ms integer not null)`

/**
 * Runs pending migrations in order on ONE connection (the advisory lock is per session), each in its
 * own transaction, under `pg_advisory_lock`. Each transaction also re-checks the table under a table
 * lock, so a server where advisory locks do not conflict (the embedded one) still applies each once.
 * @example
 * await migrate(client, { migrations: new URL('./migrations', import.meta.url).pathname })
 */
export async function migrate(client: Queryable, options: MigrateOptions): Promise<MigrationResult> {
  const list: Migration[] =
    typeof options.migrations === 'string'
      ? await loadMigrations(options.migrations)
      : prepareMigrations(options.migrations)
  const table = tableOf(options)
  const key = advisoryLockKey(options.lockName ?? defaults.migrationLockName)
  await takeLock(client, key, options.signal)
  try {
    await run(() => client.query(createTable(table)), `creating ${table}`)
    const applied: { name: string; durationMs: number }[] = []
    const skipped: string[] = []
    for (const migration of list) {
      if (options.signal?.aborted) {
        throw new PostgresError('PG_ERR_ABORTED', `migrations aborted before ${migration.name}`, {
          cause: options.signal.reason,
        })
      }
      const durationMs = await applyOne(client, migration, table)
      if (durationMs === undefined) skipped.push(migration.name)
      else applied.push({ name: migration.name, durationMs })
    }
    return { applied, skipped }
  } finally {
    await client.query('select pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined)
  }
}

/**
 * `pg_try_advisory_lock` every `LOCK_POLL_MS` rather than a blocking `pg_advisory_lock`: a backend
 * blocked on a lock does not notice its client leaving, so an aborted attempt would keep its slot.
 */
async function takeLock(client: Queryable, key: string, signal: AbortSignal | undefined): Promise<void> {
  for (;;) {
    const { rows } = await run(
      () => client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [key]),
      'taking the migration lock',
    )
    if (rows[0]?.locked) return
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
}

/** Applies one migration in a transaction; returns its duration, or undefined if it was already applied. */
async function applyOne(client: Queryable, migration: Migration, table: string): Promise<number | undefined> {
  await run(() => client.query('begin'), 'beginning a migration')
  try {
    await client.query(`lock table ${table} in share row exclusive mode`)
    const existing = await client.query<{ checksum: string }>(
      `select checksum from ${table} where name = $1`,
      [migration.name],
    )
    const recorded = existing.rows[0]
    if (recorded) {
      await client.query('commit')
      if (recorded.checksum !== migration.checksum) {
        throw new PostgresError(
          'PG_ERR_MIGRATION_CHANGED',
          `migration ${migration.name} was applied with checksum ${recorded.checksum.slice(0, 12)}… but the file now has ${migration.checksum.slice(0, 12)}…: add a new migration instead of editing an applied one`,
        )
      }
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
    await client.query('commit')
    return durationMs
  } catch (error) {
    await client.query('rollback').catch(() => undefined)
    if (error instanceof PostgresError) throw error
    throw toPostgresError(error, { what: `recording migration ${migration.name}` })
  }
}

async function run<T>(action: () => Promise<T>, what: string): Promise<T> {
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
