/**
 * `@tarmac/postgres/cluster`: private PostgreSQL clusters from the installed server tools, for tests,
 * benchmarks and `tarmac rehearse` / `tarmac up` — apart from the main entry, which a service loads. With
 * them the small helpers those local stacks share: a free port, and finding and pinging a `redis-server`.
 */
export { startPrivateCluster } from './private-cluster.js'
export type { PrivateCluster, PrivateClusterOptions } from './private-cluster.js'
export { pgBinDir } from './server-tools.js'
export { getFreePort } from './free-port.js'
export { findRedisServer, pingRedis } from './local-redis.js'
export { createSelfSignedCert } from './self-signed-cert.js'
export type { SelfSignedCert } from './self-signed-cert.js'
