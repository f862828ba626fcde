export {
  PostgresError,
  POSTGRES_ERROR_CODES,
  POSTGRES_FAULTS,
  isRetryablePostgresError,
  redactUrl,
} from './errors.js'
export type { PostgresErrorCode, PostgresErrorOptions, PostgresPhase } from './errors.js'
export { toPostgresError, isTransientPostgresError } from './classify.js'
export { capacity, isEmbeddedVersion } from './capacity.js'
export type { Queryable, ServerCapacity } from './capacity.js'
export { createPool } from './pool.js'
export type { InstrumentedPool, PoolConnectStats, PoolOptions, PoolStats } from './pool.js'
export { poolBudget, POOLER_MODES } from './pool-budget.js'
export type { PoolBudget, PoolBudgetInput, PoolerMode } from './pool-budget.js'
export { TimedClient } from './timed-client.js'
export { connectAhead } from './connect-ahead.js'
export type { ConnectAhead, ConnectAheadOptions } from './connect-ahead.js'
export type { TimedClientSettings } from './timed-client.js'
export { migrate, advisoryLockKey, MIGRATIONS_TABLE, MIGRATION_LOCK_SCOPES } from './migrate.js'
export type { MigrateOptions, MigrationResult, MigrationLockScope } from './migrate.js'
export { pendingMigrations } from './pending-migrations.js'
export type { MigrationPath } from './admission-migrations.js'
export { loadMigrations, prepareMigrations, checksumOf, MIGRATION_NAME_PATTERN } from './migration-source.js'
export type { Migration, MigrationInput } from './migration-source.js'
export { startEmbeddedPostgres } from './embedded.js'
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded.js'
export { connect } from './connect.js'
export type { ConnectOptions, PostgresConnection, PostgresConnectTimings } from './connect.js'
export { createPostgresAdmission, isRetryableAdmissionError } from './admission.js'
export type { AdmissionFacts, PostgresAdmissionOptions, PostgresHandle } from './admission.js'
export { probeConnects, CONNECT_PROBE_LIMITS } from './connect-probe.js'
export type { ConnectAttempt, ConnectProbeOptions, ConnectProbeResult } from './connect-probe.js'
