/**
 * The three servers under test, in one child process (the load generator runs in the parent, on the other core).
 * The parent sends `{ cmd: 'start', target }` and `{ cmd: 'stop' }`; each window gets fresh pools, and `stop`
 * closes them, so Postgres flushes the window's transaction counters before the parent reads them.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTerminus } from '@godaddy/terminus'
import Fastify from 'fastify'
import pg from 'pg'
import { createHealthRegistry, healthPlugin } from '@tarmac/health'
import { createStartup } from '@tarmac/startup'
import type { Command } from './targets.js'

const databaseUrl = process.env.BENCH_DATABASE_URL!
const HEALTH_TOKEN = 'bench-token' // probes come without it, as the kubelet's do: statuses only
let stopCurrent: (() => Promise<void>) | undefined
let cpuAtStart: NodeJS.CpuUsage | undefined

const portOf = (server: Server) => (server.address() as AddressInfo).port

async function startBare(): Promise<number> {
  const app = Fastify({ logger: false })
  app.get('/health/ready', async () => ({ status: 'pass' }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  stopCurrent = () => app.close()
  return portOf(app.server)
}

/** A service as Tarmac builds it: a startup engine whose postgres component contributes a `select 1` check. */
async function startTarmac(): Promise<number> {
  const startup = createStartup({ name: 'bench', phases: ['database'] })
  const postgres = startup.add({
    name: 'postgres',
    phase: 'database',
    start: () => new pg.Pool({ connectionString: databaseUrl, max: 2 }),
    stop: (pool) => pool.end(),
  })
  const registry = createHealthRegistry()
  registry.contribute(startup, postgres, (pool) => [
    {
      name: 'postgres:responseTime',
      componentType: 'datastore',
      run: async () => {
        const startedAt = performance.now()
        await pool.query('select 1')
        return { observedValue: Math.round(performance.now() - startedAt), observedUnit: 'ms' }
      },
    },
  ])
  const app = Fastify({ logger: false })
  await app.register(healthPlugin, { registry, startup, token: HEALTH_TOKEN, serviceId: 'bench' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  await startup.run()
  // Wait for the first background result, as a readiness probe would before traffic.
  while ((await app.inject({ url: '/health/ready' })).statusCode !== 200)
    await new Promise((r) => setTimeout(r, 20))
  stopCurrent = async () => {
    await startup.shutdown()
    registry.close()
    await app.close()
  }
  return portOf(app.server)
}

/** @godaddy/terminus as its README shows, with a pg `select 1` health check. */
async function startTerminus(): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 })
  const server = createServer((_request, response) => {
    response.statusCode = 404
    response.end()
  })
  createTerminus(server, {
    healthChecks: {
      '/health/ready': async () => {
        await pool.query('select 1')
      },
    },
    signals: [],
    signal: 'SIGUSR2', // terminus always traps a signal; keep it off SIGTERM so the parent can stop this process
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stopCurrent = async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await pool.end()
  }
  return portOf(server)
}

process.setMaxListeners(100) // terminus adds a signal listener per server
process.on('message', (message: Command) => {
  void (async () => {
    if (message.cmd === 'start') {
      const start = { bare: startBare, tarmac: startTarmac, terminus: startTerminus }[message.target]
      const port = await start()
      cpuAtStart = process.cpuUsage() // after startup: only serving the window's load is counted
      process.send!({ port })
    } else {
      const cpu = process.cpuUsage(cpuAtStart)
      await stopCurrent?.()
      stopCurrent = undefined
      process.send!({ stopped: true, cpuMicros: cpu.user + cpu.system })
    }
  })()
})
process.send!({ ready: true })
