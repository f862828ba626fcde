import { isTransientPostgresError, toPostgresError } from '@tarmac/postgres'
import type pg from 'pg'
import type { Query, Queryable } from './queryable.js'

/** pg's own error when `query_timeout` passes: no SQLSTATE, no errno — only this message. */
const CLIENT_QUERY_TIMEOUT = /^Query read timeout$/

/**
 * The chat store's view of the pool. Every query is bounded on the client side by `queryTimeoutMs` (pg's
 * `query_timeout`): a stalled server or network is noticed instead of waited on, and the pool discards that
 * connection. Client-side because it also covers a silent network, and because a session setting
 * (`statement_timeout`) would leak through a transaction pooler. Every error that means "the database is not
 * there right now" — this timeout, a lost or refused connection, a full pool, 57014 — becomes a
 * `PostgresError`, which the error handler answers with 503 `DEPENDENCY_UNAVAILABLE`; others pass unchanged
 * (the store reads SQLSTATEs such as 23503).
 */
export function boundedQueries(pool: Pick<pg.Pool, 'query'>, queryTimeoutMs: number): Queryable {
  return {
    async query<Row extends pg.QueryResultRow>(query: Query) {
      try {
        // pg reads `query_timeout` from a query's config too; its types only list it for the client's.
        const config: pg.QueryConfig & { query_timeout: number } = { ...query, query_timeout: queryTimeoutMs }
        return await pool.query<Row>(config)
      } catch (error) {
        const message = error instanceof Error ? error.message : ''
        if (CLIENT_QUERY_TIMEOUT.test(message) || isTransientPostgresError(error))
          throw toPostgresError(error, { what: `a query (bounded by ${queryTimeoutMs} ms)` })
        throw error
      }
    },
  }
}
