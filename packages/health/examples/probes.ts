/**
 * A service with a slow database phase, its probes answering from the first millisecond:
 *
 *   npx tsx --conditions=@tarmac/source packages/health/examples/probes.ts
 *   curl -s localhost:8080/health/startup   # 503 with phase + progress for ~3 s, then 200
 *   curl -s localhost:8080/health/ready     # 503 until started and the check passed
 *   curl -s localhost:8080/health/infrastructure -H 'authorization: Bearer example-token'
 *   curl -s localhost:8080/metrics
 *
 * `EXAMPLE_DB_DOWN=1` makes the database check fail after startup: ready turns 503, logged once.
 * Set `DATABASE_URL` to check a real Postgres with `select 1` instead of a simulated one.
 */
import Fastify from 'fastify'
import pg from 'pg'
import {
  checkPlatformStartupWindow,
  createHealthRegistry,
  healthPlugin,
  renderKubernetesProbes,
} from '@tarmac/health'
import { createStartup, runMain, sleep } from '@tarmac/startup'

const logger = {
  debug: () => {},
  info: (object: object, message?: string) => console.log(message, JSON.stringify(object)),
  warn: (object: object, message?: string) => console.warn(message, JSON.stringify(object)),
  error: (object: object, message?: string) => console.error(message, JSON.stringify(object)),
}
const startupDeadlineMs = 120_000
const startup = createStartup({
  name: 'probes-example',
  phases: ['init', 'database'],
  deadlineMs: startupDeadlineMs,
})
const registry = createHealthRegistry({ logger })
const app = Fastify({ logger: false })
await app.register(healthPlugin, {
  registry,
  startup,
  token: 'example-token',
  serviceId: 'probes-example',
  logger,
})

interface Database {
  ping(): Promise<void>
  close(): Promise<void>
}

startup.add({
  name: 'http',
  phase: 'init',
  start: () => app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8080) }),
  stop: () => app.close(),
})
const database = startup.add<Database>({
  name: 'database',
  phase: 'database',
  start: async ({ signal }) => {
    if (process.env.DATABASE_URL) {
      const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 })
      await pool.query('select 1')
      return { ping: async () => void (await pool.query('select 1')), close: () => pool.end() }
    }
    await sleep(3_000, signal) // a slow connect through a cold VPC connector
    return {
      ping: async () => {
        if (process.env.EXAMPLE_DB_DOWN)
          throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })
      },
      close: async () => {},
    }
  },
  stop: (database) => database.close(),
})
registry.contribute(startup, database, (db) => [
  {
    name: 'database:responseTime',
    componentType: 'datastore',
    run: async () => {
      const startedAt = performance.now()
      await db.ping()
      return { observedValue: Math.round(performance.now() - startedAt), observedUnit: 'ms' }
    },
  },
])

const warning = checkPlatformStartupWindow({
  platformStartupWindowMs: process.env.PLATFORM_STARTUP_WINDOW_MS,
  startupDeadlineMs,
})
if (warning) logger.warn({ code: 'PLATFORM_STARTUP_WINDOW' }, warning)
logger.info(
  { probes: renderKubernetesProbes({ startupDeadlineMs, drainDelayMs: 5_000 }) },
  'kubernetes probes',
)
await runMain(startup)
