import { checkFleet, fleetSchema, renderPgBouncerIni } from '@tarmac/cli'
import { startPgBouncer, type PgBouncer } from '@tarmac/testing'
import type { Scenario } from './scenarios.js'
import { APP_ROLE, BACKEND_DATABASE, type StormDatabase } from './storm-database.js'

/** What the pooler's admin console showed while a fleet started: peaks over the samples. */
export interface PoolerPeaks {
  /** Client connections to the backends' database (active + waiting). */
  clients: number
  /** Its server connections to Postgres (active, idle, used, tested, logging in). */
  servers: number
  /** Clients waiting for a server connection at once. */
  waiting: number
}

export interface StormPooler {
  readonly bouncer: PgBouncer
  /** The plan the scenario stands for, as `tarmac deploy check` judges it. */
  readonly planFits: boolean
  sample(peaks: PoolerPeaks): Promise<void>
  /** Client connections to the backends' database now. */
  clients(): Promise<number>
  stop(): Promise<void>
}

interface PoolRow {
  database: string
  cl_active: number
  cl_waiting: number
  sv_active: number
  sv_idle: number
  sv_used: number
  sv_tested: number
  sv_login: number
}

/**
 * Debian's PgBouncer in front of the scenario's cluster, run with the pgbouncer.ini `tarmac deploy render`
 * writes for the scenario as a plan (the same `renderPgBouncerIni`, sizes from `fleet.pooler`), only its listen
 * address, auth file and `[databases]` include pointed here.
 */
export async function startStormPooler(
  scenario: Scenario,
  db: StormDatabase,
  instances: number,
): Promise<StormPooler> {
  const model = scenario.pooler!
  const fleet = fleetSchema.parse({
    database: {
      maxConnections: scenario.maxConnections,
      reserved: scenario.reservedConnections,
      heldByOthers: 1,
    },
    pooler: {
      maxClientConnections: model.maxClientConnections,
      serverConnections: model.serverConnections,
      reservePoolSize: model.reservePoolSize,
    },
    services: { backend: { maxInstances: instances, surgeInstances: 0, poolMax: 10, database: 'pooler' } },
  })
  const bouncer = await startPgBouncer({
    upstream: { host: '127.0.0.1', port: db.cluster.port },
    users: { [APP_ROLE]: db.appPassword },
    template: renderPgBouncerIni(fleet, `the ${scenario.name} scenario`),
  })
  const pool = async () =>
    (await bouncer.admin<PoolRow>('SHOW POOLS')).find((row) => row.database === BACKEND_DATABASE)
  return {
    bouncer,
    planFits: checkFleet(fleet).every((check) => check.passed),
    async clients() {
      const now = await pool()
      return now ? Number(now.cl_active) + Number(now.cl_waiting) : 0
    },
    async sample(peaks) {
      const now = await pool()
      if (!now) return
      peaks.clients = Math.max(peaks.clients, Number(now.cl_active) + Number(now.cl_waiting))
      peaks.waiting = Math.max(peaks.waiting, Number(now.cl_waiting))
      const servers = ['sv_active', 'sv_idle', 'sv_used', 'sv_tested', 'sv_login'] as const
      peaks.servers = Math.max(
        peaks.servers,
        servers.reduce((sum, key) => sum + Number(now[key]), 0),
      )
    },
    stop: () => bouncer.stop(),
  }
}
