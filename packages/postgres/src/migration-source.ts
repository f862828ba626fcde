import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PostgresError } from './errors.js'

/** `0001_create_users.sql`: four digits, an underscore, a name. The number orders the migrations. */
export const MIGRATION_NAME_PATTERN = /^(\d{4})_[A-Za-z0-9_-]+\.sql$/

/** One migration, ready to run. `checksum` is the sha256 of `sql` in hex. */
export interface Migration {
  readonly name: string
  readonly sql: string
  readonly checksum: string
}

/** In-memory migration: a name following `MIGRATION_NAME_PATTERN` and its SQL. */
export interface MigrationInput {
  readonly name: string
  readonly sql: string
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex')
}

/**
 * Validates names, rejects duplicate numbers and sorts by number. Throws `PG_ERR_INVALID_OPTIONS`
 * listing every bad name.
 */
export function prepareMigrations(inputs: readonly MigrationInput[]): Migration[] {
  const problems: string[] = []
  const seen = new Map<string, string>()
  for (const { name } of inputs) {
    const match = MIGRATION_NAME_PATTERN.exec(name)
    if (!match) {
      problems.push(`${name} does not match NNNN_name.sql`)
      continue
    }
    const number = match[1] as string
    const earlier = seen.get(number)
    if (earlier) problems.push(`${name} and ${earlier} share the number ${number}`)
    seen.set(number, name)
  }
  if (problems.length > 0)
    throw new PostgresError('PG_ERR_INVALID_OPTIONS', `migrations: ${problems.join('; ')}`)
  return [...inputs]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, sql }) => ({ name, sql, checksum: checksumOf(sql) }))
}

/** Reads every `*.sql` file of `directory` (other files are ignored) as migrations, in order. */
export async function loadMigrations(directory: string): Promise<Migration[]> {
  let names: string[]
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith('.sql'))
  } catch (error) {
    throw new PostgresError('PG_ERR_INVALID_OPTIONS', `migrations: cannot read directory ${directory}`, {
      cause: error,
    })
  }
  const inputs = await Promise.all(
    names.map(async (name) => ({ name, sql: await readFile(join(directory, name), 'utf8') })),
  )
  return prepareMigrations(inputs)
}
