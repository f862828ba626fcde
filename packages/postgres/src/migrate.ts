import { createHash } from 'node:crypto'
import type { Queryable } from './capacity.js'
import { toPostgresError } from './classify.js'
import { PostgresError } from './errors.js'
import { prepareMigrations, loadMigrations, type Migration, type MigrationInput } from './migration-source.js'
import { applyInTransaction, createTableSql, pauseForLock, run, tableOf } from './migration-steps.js'
import { POSTGRES_DEFAULTS } from './options.js'

export { MIGRATIONS_TABLE } from './migration-steps.js'

/**
 * Where the migration lock lives. `session`: `pg_advisory_lock` held across one transaction per migration —
 * needs a real session. `transaction`: every pending migration in ONE transaction under
 * `pg_advisory_xact_lock` — what works through a transaction pooler (PgBouncer `pool_mode = transaction`),
 * which may hand each transaction to a different server connection.
 */
export const MIGRATION_LOCK_SCOPES = ['session', 'transaction'] as const
export type MigrationLockScope = (typeof MIGRATION_LOCK_SCOPES)[number]

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
  /** Default `session`. */
  readonly lockScope?: MigrationLockScope
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

/** The migrations, from a directory or a list, validated and in number order. */
export async function migrationsOf(migrations: MigrateOptions['migrations']): Promise<Migration[]> {
  return typeof migrations === 'string' ? loadMigrations(migrations) : prepareMigrations(migrations)
}

/**
 * Runs pending migrations in order under an advisory lock, so concurrent instances apply each exactly once.
 * With `lockScope: 'session'` (the default) on ONE connection (the lock is per session), each migration in its
 * own transaction; with `'transaction'` all pending ones in one transaction, which a transaction pooler keeps
 * on one server connection. Each migration also re-checks the table under a table lock, so a server where
 * advisory locks do not conflict (the embedded one) still applies each once.
 * @example
 * await migrate(client, { migrations: new URL('./migrations', import.meta.url).pathname })
 */
export async function migrate(client: Queryable, options: MigrateOptions): Promise<MigrationResult> {
  const list = await migrationsOf(options.migrations)
  const table = tableOf(options.table)
  const key = advisoryLockKey(options.lockName ?? POSTGRES_DEFAULTS.migrationLockName)
  return options.lockScope === 'transaction'
    ? inOneTransaction(client, list, table, key, options.signal)
    : inSession(client, list, table, key, options.signal)
}

async function inSession(
  client: Queryable,
  list: readonly Migration[],
  table: string,
  key: string,
  signal: AbortSignal | undefined,
): Promise<MigrationResult> {
  // pg_try_advisory_lock polled rather than a blocking pg_advisory_lock: a backend blocked on a lock does not
  // notice its client leaving, so an aborted attempt would keep its slot.
  for (;;) {
    const { rows } = await run(
      () => client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [key]),
      'taking the migration lock',
    )
    if (rows[0]?.locked) break
    await pauseForLock(signal)
  }
  try {
    await run(() => client.query(createTableSql(table)), `creating ${table}`)
    const applied: { name: string; durationMs: number }[] = []
    const skipped: string[] = []
    for (const migration of list) {
      abortBefore(migration, signal)
      await run(() => client.query('begin'), 'beginning a migration')
      const durationMs = await committed(
        client,
        () => applyInTransaction(client, migration, table),
        migration,
      )
      if (durationMs === undefined) skipped.push(migration.name)
      else applied.push({ name: migration.name, durationMs })
    }
    return { applied, skipped }
  } finally {
    await client.query('select pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined)
  }
}

async function inOneTransaction(
  client: Queryable,
  list: readonly Migration[],
  table: string,
  key: string,
  signal: AbortSignal | undefined,
): Promise<MigrationResult> {
  for (;;) {
    await run(() => client.query('begin'), 'beginning the migrations')
    const locked = await committed(
      client,
      async () => {
        const { rows } = await client.query<{ locked: boolean }>(
          'select pg_try_advisory_xact_lock($1::bigint) as locked',
          [key],
        )
        if (!rows[0]?.locked) return null
        await client.query(createTableSql(table))
        const applied: { name: string; durationMs: number }[] = []
        const skipped: string[] = []
        for (const migration of list) {
          abortBefore(migration, signal)
          const durationMs = await applyInTransaction(client, migration, table)
          if (durationMs === undefined) skipped.push(migration.name)
          else applied.push({ name: migration.name, durationMs })
        }
        return { applied, skipped }
      },
      undefined,
    )
    if (locked) return locked
    await pauseForLock(signal)
  }
}

/** Runs `work` in the open transaction: commits what it did (also a `null`: nothing), rolls back if it throws. */
async function committed<T>(
  client: Queryable,
  work: () => Promise<T>,
  migration: Migration | undefined,
): Promise<T> {
  try {
    const result = await work()
    await client.query('commit')
    return result
  } catch (error) {
    await client.query('rollback').catch(() => undefined)
    if (error instanceof PostgresError) throw error
    throw toPostgresError(error, { what: migration ? `recording migration ${migration.name}` : 'migrating' })
  }
}

function abortBefore(migration: Migration, signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new PostgresError('PG_ERR_ABORTED', `migrations aborted before ${migration.name}`, {
      cause: signal.reason,
    })
  }
}
