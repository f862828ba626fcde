import type { Queryable } from './capacity.js'
import { toPostgresError } from './classify.js'
import { migrationsOf, type MigrateOptions } from './migrate.js'
import { changed, tableOf } from './migration-steps.js'

/** Postgres's "undefined_table": nothing was ever migrated here. */
const UNDEFINED_TABLE = '42P01'

/**
 * The names of the migrations not applied yet, read with one plain `select` (no lock, no session state, so it
 * works through a transaction pooler). Used to decide whether a migration session is needed at all: in a
 * storm of instances of a release whose schema is in place, none is. An applied migration whose file changed
 * is `PG_ERR_MIGRATION_CHANGED` here already.
 * @example
 * if ((await pendingMigrations(pool, { migrations: './migrations' })).length > 0) await migrateOverSession()
 */
export async function pendingMigrations(
  queryable: Queryable,
  options: Pick<MigrateOptions, 'migrations' | 'table'>,
): Promise<string[]> {
  const list = await migrationsOf(options.migrations)
  const table = tableOf(options.table)
  let recorded: Map<string, string>
  try {
    const { rows } = await queryable.query<{ name: string; checksum: string }>(
      `select name, checksum from ${table}`,
    )
    recorded = new Map(rows.map((row) => [row.name, row.checksum]))
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return list.map((m) => m.name)
    throw toPostgresError(error, { what: `reading ${table}` })
  }
  const pending: string[] = []
  for (const migration of list) {
    const checksum = recorded.get(migration.name)
    if (checksum === undefined) pending.push(migration.name)
    else if (checksum !== migration.checksum) throw changed(migration, checksum)
  }
  return pending
}
