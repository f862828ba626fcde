import { open, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { startOwnCluster, type OwnCluster } from '@tarmac/testing'

/** The role every instance connects as: not a superuser, so the reserved slots are not its to take. */
export const APP_ROLE = 'tarmac_app'
export const BACKEND_DATABASE = 'storm_backend'
export const AUTH_DATABASE = 'storm_auth'
/** Both forms of 53300: no slot at all, and only reserved slots left. */
const TOO_MANY_CLIENTS = /sorry, too many clients already|remaining connection slots are reserved/g

/** What the sampler saw while a fleet was starting. */
export interface ActivitySample {
  readonly atMs: number
  /** Client backends of the app role, by application_name. */
  readonly byApplication: Readonly<Record<string, number>>
  readonly total: number
}

/**
 * A private cluster for one scenario: `max_connections` and the reserved slots as given, an app role with a
 * password, a database for the backends and one for auth, a superuser connection (in a reserved slot) that
 * samples `pg_stat_activity`, and a reader of the server log that counts 53300 refusals.
 */
export interface StormDatabase {
  readonly cluster: OwnCluster
  readonly appPassword: string
  /** `postgres://tarmac_app:…@127.0.0.1:<port>/<database>` — direct, no connector. */
  url(database: string): string
  /** Client backends of the app role now. */
  sample(): Promise<ActivitySample>
  /** "sorry, too many clients already" lines the server has logged since `markLog()`. */
  tooManyClientsSinceMark(): Promise<number>
  markLog(): Promise<void>
  close(): Promise<void>
}

export async function startStormDatabase(options: {
  maxConnections: number
  reservedConnections: number
}): Promise<StormDatabase> {
  const cluster = await startOwnCluster({
    maxConnections: options.maxConnections,
    settings: {
      superuser_reserved_connections: options.reservedConnections,
      log_min_messages: 'fatal',
      log_connections: 'off',
    },
  })
  const appPassword = `app_${Math.random().toString(36).slice(2)}`
  await cluster.sql(`create role ${APP_ROLE} login password '${appPassword}'`)
  for (const database of [BACKEND_DATABASE, AUTH_DATABASE])
    await cluster.sql(`create database ${database} owner ${APP_ROLE}`)
  const sampler = new pg.Client({ connectionString: cluster.url() })
  await sampler.connect()
  const logPath = join(dirname(cluster.dataDir), 'server.log')
  let mark = 0

  return {
    cluster,
    appPassword,
    url: (database) => cluster.url({ user: APP_ROLE, password: appPassword, database }),
    async sample() {
      const { rows } = await sampler.query<{ application_name: string; n: number }>(
        `select application_name, count(*)::int as n from pg_stat_activity
         where backend_type = 'client backend' and usename = $1 group by 1`,
        [APP_ROLE],
      )
      const byApplication: Record<string, number> = {}
      let total = 0
      for (const row of rows) {
        byApplication[row.application_name] = row.n
        total += row.n
      }
      return { atMs: performance.now(), byApplication, total }
    },
    async markLog() {
      mark = (await stat(logPath)).size
    },
    async tooManyClientsSinceMark() {
      const file = await open(logPath, 'r')
      try {
        const { size } = await file.stat()
        const buffer = Buffer.alloc(Math.max(0, size - mark))
        await file.read(buffer, 0, buffer.length, mark)
        return buffer.toString().match(TOO_MANY_CLIENTS)?.length ?? 0
      } finally {
        await file.close()
      }
    },
    async close() {
      await sampler.end().catch(() => undefined)
      await cluster.stop()
    },
  }
}
