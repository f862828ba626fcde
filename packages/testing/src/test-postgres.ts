import { startPrivateCluster } from '@tarmac/postgres/cluster'

/** A PostgreSQL of the test run's own (trust auth, like a developer's local one). */
export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: what `TEST_PG_ADMIN_URL` is set to. */
  readonly url: string
  readonly port: number
  /** Stops the server and removes its files. Idempotent. */
  stop(): Promise<void>
}

/**
 * Starts a private PostgreSQL cluster for a whole test run from the installed server tools (any major version:
 * `TEST_PG_BIN`, `/usr/lib/postgresql/<major>/bin`, `initdb` on the PATH, `pg_config`): `initdb` into a
 * temporary folder, trust auth on loopback, a free port, room for the suite's parallel files. A missing
 * `initdb` is `PG_ERR_SERVER_TOOLS_MISSING`, naming `apt-get install -y postgresql`.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const cluster = await startPrivateCluster({
    auth: 'trust',
    maxConnections: 100,
    settings: {
      superuser_reserved_connections: 3,
      // A test server: durability is not the point, speed is.
      synchronous_commit: 'off',
      full_page_writes: 'off',
    },
  })
  return {
    url: `postgres://postgres@127.0.0.1:${cluster.port}/postgres`,
    port: cluster.port,
    stop: () => cluster.stop(),
  }
}
