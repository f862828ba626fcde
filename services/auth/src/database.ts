import type pg from 'pg'
import { isTransientPostgresError, toPostgresError } from '@tarmac/postgres'

/** What the stores need of a connection or pool. */
export interface Queryable {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<Row>>
}

/** The service's view of Postgres: queries and transactions whose outages surface as a `PostgresError`. */
export interface AuthDatabase extends Queryable {
  /** Runs `work` in one transaction on one pooled connection; rolls back when it throws. */
  transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T>
}

/**
 * Postgres being away (refused, reset, timed out, out of slots, pool exhausted) → a `PostgresError` whose code's
 * catalog entry the shared error handler answers with: 503 `DEPENDENCY_UNAVAILABLE`. Anything else (a
 * constraint, a bug, an `AuthError`) passes through unchanged.
 */
export function asDependencyError(error: unknown): unknown {
  return isTransientPostgresError(error) ? toPostgresError(error, { what: 'postgres is unavailable' }) : error
}

/** Wraps a pool so every query and transaction maps outages with `asDependencyError`. */
export function createAuthDatabase(pool: pg.Pool): AuthDatabase {
  const rethrow = (error: unknown): never => {
    throw asDependencyError(error)
  }
  return {
    query: <Row extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
      pool.query<Row>(sql, params).catch(rethrow),
    async transaction(work) {
      const client = await pool.connect().catch(rethrow)
      let broken: unknown
      try {
        await client.query('begin')
        const result = await work(client)
        await client.query('commit')
        return result
      } catch (error) {
        await client.query('rollback').catch((rollbackError: unknown) => {
          broken = rollbackError
        })
        throw asDependencyError(error)
      } finally {
        // A connection that failed mid-transaction is destroyed, not returned to the pool.
        client.release(broken instanceof Error ? broken : undefined)
      }
    },
  }
}
