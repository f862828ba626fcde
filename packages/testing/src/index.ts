export { createTestDatabase, ADMIN_DATABASE_URL } from './test-database.js'
export type { TestDatabase } from './test-database.js'
export {
  getFreePort,
  startPrivateCluster as startOwnCluster,
  createSelfSignedCert,
  pgBinDir,
} from '@tarmac/postgres/cluster'
export type {
  PrivateCluster as OwnCluster,
  PrivateClusterOptions as OwnClusterOptions,
  SelfSignedCert,
} from '@tarmac/postgres/cluster'
export { seededRandom } from './seeded-random.js'
export { withClient } from './with-client.js'
export { startPgBouncer, PGBOUNCER_BIN } from './pgbouncer.js'
export type { PgBouncer, PgBouncerOptions } from './pgbouncer.js'
