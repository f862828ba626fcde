export { createTestDatabase, ADMIN_DATABASE_URL, TEST_POSTGRES, TEST_REDIS_URL } from './test-database.js'
export { startTestPostgres } from './test-postgres.js'
export type { TestPostgres } from './test-postgres.js'
export { startTestRedis, findTestRedisServer } from './test-redis.js'
export type { TestRedis } from './test-redis.js'
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
export { fuzzSettings, CI_FUZZ_SEED, FUZZ_SEED_SOURCES } from './fuzz-settings.js'
export type { FuzzSettings, FuzzSeedSource } from './fuzz-settings.js'
export { until } from './until.js'
export { withClient } from './with-client.js'
export { PROMTOOL_PATH, promtoolCheckMetrics } from './promtool.js'
export { startPgBouncer, PGBOUNCER_BIN } from './pgbouncer.js'
export type { PgBouncer, PgBouncerOptions } from './pgbouncer.js'
export { freeBackendPort } from './free-backend-port.js'
