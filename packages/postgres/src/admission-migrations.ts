import type { Queryable } from './capacity.js'
import { migrate, migrationsOf, type MigrateOptions, type MigrationResult } from './migrate.js'
import { pendingMigrations } from './pending-migrations.js'
import type { PoolerMode } from './pool-budget.js'
import { TimedClient } from './timed-client.js'

/** How the admission ran the migrations, for the startup report. */
export type MigrationPath =
  | 'admission connection (nothing pending, no lock)'
  | 'admission connection (session lock)'
  | 'admission connection (one transaction, transaction lock)'
  | 'migration url (session lock)'
  | 'migration url not needed (nothing pending)'

export interface AdmissionMigrationOptions extends Omit<MigrateOptions, 'lockScope'> {
  readonly pooler: PoolerMode
  /** A direct session to Postgres (`DATABASE_MIGRATION_URL`): opened only when something is pending. */
  readonly migrationUrl?: string
  readonly applicationName: string
  readonly timeoutMs: number
}

/**
 * Runs the admission's migrations on the path that can hold their lock. First, on every path, one plain
 * `select` on the admission connection says whether anything is pending (an applied migration whose file
 * changed is `PG_ERR_MIGRATION_CHANGED` already): a release whose schema is in place — every cold start but the
 * first — takes no lock and runs nothing else (one round trip instead of a dozen: the lock, the table, a
 * transaction per migration). A migration is recorded in the transaction that applies it, so a row read
 * without the lock is a migration applied in full. Otherwise:
 * - with a migration URL, a session is opened on that URL (so a storm of instances of a migrated release opens
 *   none);
 * - behind a transaction pooler without one, all pending migrations run in one transaction under a
 *   transaction-scoped advisory lock, which the pooler keeps on one server connection;
 * - otherwise on the admission connection, under a session lock.
 */
export async function runAdmissionMigrations(
  client: Queryable,
  options: AdmissionMigrationOptions,
): Promise<{ result: MigrationResult; path: MigrationPath }> {
  const { pooler, migrationUrl, applicationName, timeoutMs, ...given } = options
  // Read (and checked) once: a directory is not read again by the steps below.
  const list = await migrationsOf(given.migrations)
  const common = { ...given, migrations: list }
  const pending = await pendingMigrations(client, common)
  if (pending.length === 0) {
    const all = list.map((m) => m.name)
    const path =
      migrationUrl === undefined
        ? 'admission connection (nothing pending, no lock)'
        : 'migration url not needed (nothing pending)'
    return { result: { applied: [], skipped: all }, path }
  }
  if (migrationUrl === undefined) {
    const scope = pooler === 'transaction' ? 'transaction' : 'session'
    return {
      result: await migrate(client, { ...common, lockScope: scope }),
      path:
        scope === 'transaction'
          ? 'admission connection (one transaction, transaction lock)'
          : 'admission connection (session lock)',
    }
  }
  const session = new TimedClient({
    url: migrationUrl,
    applicationName: `${applicationName}:migrate`,
    timeoutMs,
  })
  const destroy = (): void => session.destroy()
  common.signal?.addEventListener('abort', destroy, { once: true })
  try {
    await session.connectTimed(common.signal)
    return { result: await migrate(session, common), path: 'migration url (session lock)' }
  } finally {
    common.signal?.removeEventListener('abort', destroy)
    await session.end().catch(() => undefined)
  }
}
