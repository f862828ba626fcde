import { join } from 'node:path'
import pg from 'pg'
import { createStartup } from '@tarmac/startup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPrivateCluster, type PrivateCluster } from '../src/cluster.js'
import { connect, createPostgresAdmission, probeConnects } from '../src/index.js'

// Cloud Run mounts a Cloud SQL instance as a Unix socket in /cloudsql/PROJECT:REGION:INSTANCE. Here a real
// PostgreSQL listens on a socket in a directory named the same way, under its own temporary folder, and every
// connection below goes through that socket: the timed connect, its classification and the pool budget.
const INSTANCE = 'my-project:europe-west1:tarmac-db'
let cluster: PrivateCluster
let others: pg.Client[] = []
beforeAll(async () => {
  cluster = await startPrivateCluster({
    maxConnections: 20,
    settings: { superuser_reserved_connections: 2 },
    socketDir: join('cloudsql', INSTANCE),
  })
  await cluster.sql(`create role socket_app login password 'socket-pw'`)
})
afterAll(async () => {
  for (const client of others) await client.end().catch(() => undefined)
  await cluster?.stop()
})

const socketUrl = (options: { user?: string; password?: string } = {}) =>
  cluster.url({ socket: true, user: 'socket_app', password: 'socket-pw', ...options })

describe('connect through the Cloud SQL socket path (a real cluster on a Unix socket)', () => {
  it('connects with no dns and tcp phases: the timing says unix and times the socket instead', async () => {
    expect(cluster.socketDir).toMatch(/\/cloudsql\/my-project:europe-west1:tarmac-db$/)
    const { client, timings } = await connect(socketUrl(), { applicationName: 'socket_test' })
    try {
      // inet_server_addr() is null only for a connection that did not come over TCP/IP.
      const { rows } = await client.query<{ addr: string | null }>('select inet_server_addr() as addr')
      expect(rows[0]!.addr).toBeNull()
      expect(timings).toMatchObject({ transport: 'unix', dnsMs: 0, tcpMs: 0 })
      expect(timings.socketMs).toBeGreaterThanOrEqual(0)
      expect(timings.totalMs).toBeGreaterThanOrEqual(timings.authMs)
    } finally {
      await client.end()
    }
  })

  it("accepts Google's own form, credentials without a host: postgres://user:pw@/db?host=/cloudsql/…", async () => {
    const url = `postgres://socket_app:socket-pw@/postgres?host=${cluster.socketDir}&port=${cluster.port}`
    const { client, timings } = await connect(url)
    await client.end()
    expect(timings.transport).toBe('unix')
  })

  it('a TCP connect still reports transport tcp and no socket phase', async () => {
    const { client, timings } = await connect(cluster.url())
    await client.end()
    expect(timings.transport).toBe('tcp')
    expect(timings.socketMs).toBeUndefined()
  })

  it('classifies a wrong password over the socket as PG_ERR_AUTH_FAILED (28P01), like over TCP', async () => {
    await expect(connect(socketUrl({ password: 'wrong' }))).rejects.toMatchObject({
      code: 'PG_ERR_AUTH_FAILED',
      sqlState: '28P01',
      phase: 'auth',
    })
  })

  it('an instance that is not mounted (no socket there) is PG_ERR_SOCKET_NOT_FOUND in phase socket, not retried', async () => {
    const other = cluster.socketDir!.replace('tarmac-db', 'another-db')
    const url = `postgres://socket_app:socket-pw@localhost:${cluster.port}/postgres?host=${other}`
    const error = await connect(url).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'PG_ERR_SOCKET_NOT_FOUND',
      errorClass: 'SOCKET_NOT_FOUND',
      phase: 'socket',
      retryable: false,
    })
    expect((error as Error).message).toContain(`${other}/.s.PGSQL.${cluster.port}`)
    expect((error as Error).message).not.toContain('socket-pw')
  })

  it("the in-service probe's steps over the socket have no dns and no tcp", async () => {
    const result = await probeConnects(socketUrl(), { connects: 3, applicationName: 'socket_probe' })
    expect(result.ok).toBe(3)
    expect(Object.keys(result.stepsMs).sort()).toEqual(['auth', 'firstQuery', 'socket', 'ssl', 'total'])
  })

  it('the pool budget divides max_connections the same through the socket', async () => {
    others = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const client = new pg.Client({ connectionString: socketUrl(), application_name: 'someone-else' })
        await client.connect()
        return client
      }),
    )
    const startup = createStartup({ name: 'svc', phases: ['database'], deadlineMs: 30_000 })
    const postgres = startup.add(
      createPostgresAdmission({
        url: socketUrl(),
        applicationName: 'socket_budget',
        fleetSize: 5,
        pool: { max: 10 },
      }),
    )
    await startup.run()
    const handle = postgres.get()
    try {
      // floor((20 − 2 reserved − 3 held by others) / 5 instances) = 3; the admission connection came over the socket.
      expect(handle.admission.budget).toMatchObject({
        size: 3,
        maxConnections: 20,
        reserved: 2,
        heldByOthers: 3,
      })
      expect(handle.admission.timings).toMatchObject({ transport: 'unix', dnsMs: 0, tcpMs: 0 })
    } finally {
      await handle.close()
    }
  })
})
