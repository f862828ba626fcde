import type pg from 'pg'

/** A query as pg takes it; `name` makes it a prepared statement of the connection (parsed and planned once). */
export interface Query {
  readonly text: string
  readonly values?: unknown[]
  readonly name?: string
}

/** The pool, described structurally: `pg.Pool` fits, so does a client (and `boundedQueries`). */
export interface Queryable {
  query<Row extends pg.QueryResultRow>(query: Query): Promise<pg.QueryResult<Row>>
}
