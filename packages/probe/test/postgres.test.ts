import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { ProbeError, connectPostgres, probePostgres } from '@tarmac/probe'
import { closedPort, startTestServer, type TestServer } from './servers.js'

describe('connectPostgres and probePostgres against the local PostgreSQL', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('probe')
  })
  afterAll(() => db.drop())

  it('connects with timings per phase, a usable client and the server version', async () => {
    const { client, timings, serverVersion } = await connectPostgres(db.url, {
      applicationName: 'probe-test',
    })
    try {
      expect(serverVersion).toMatch(/^\d+/)
      expect(timings.sslMs).toBe(0)
      expect(timings.transport).toBe('tcp')
      expect(timings.socketMs).toBeUndefined()
      for (const value of Object.values(timings))
        if (typeof value === 'number') expect(value).toBeGreaterThanOrEqual(0)
      expect(timings.totalMs).toBeGreaterThanOrEqual(
        timings.tcpMs + timings.authMs + timings.firstQueryMs - 0.5,
      )
      const { rows } = await client.query<{ name: string }>(
        "select current_setting('application_name') as name",
      )
      expect(rows[0]?.name).toBe('probe-test')
    } finally {
      await client.end()
    }
  })

  it('probes: dns, tcp, auth, firstQuery (no ssl phase when sslmode does not ask for it), and closes', async () => {
    const result = await probePostgres(db.url)
    expect(result).toMatchObject({ kind: 'postgres', ok: true, details: { ssl: false } })
    expect(Object.keys(result.phases)).toEqual(['dns', 'tcp', 'auth', 'firstQuery'])
    expect(result.details?.serverVersion).toMatch(/^15\./)
    const admin = await connectPostgres(db.url)
    const { rows } = await admin.client.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where application_name = 'tarmac-probe' and datname = current_database()",
    )
    await admin.client.end()
    expect(rows[0]?.n).toBe(0)
  })

  it('reports PG_DB_NOT_FOUND with SQLSTATE 3D000 for a database that does not exist', async () => {
    const url = new URL(db.url)
    url.pathname = '/probe_no_such_database'
    const result = await probePostgres(url.toString())
    expect(result.error).toMatchObject({ class: 'PG_DB_NOT_FOUND', phase: 'auth', sqlState: '3D000' })
    await expect(connectPostgres(url.toString())).rejects.toMatchObject({
      code: 'PG_DB_NOT_FOUND',
      phase: 'auth',
      sqlState: '3D000',
    })
  })

  it('reports TLS_FAILED in phase ssl when sslmode requires SSL and the server has none', async () => {
    const result = await probePostgres(`${db.url}?sslmode=no-verify`)
    expect(result.error).toMatchObject({ class: 'TLS_FAILED', phase: 'ssl' })
  })
})

describe('connectPostgres failures on the network path', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('reports DNS_NOT_FOUND and TCP_REFUSED with their phases', async () => {
    const dns = await probePostgres('postgres://u:secret@nonexistent.invalid:5432/db')
    expect(dns.error).toMatchObject({ class: 'DNS_NOT_FOUND', phase: 'dns' })
    expect(dns.target).toBe('postgres://u:***@nonexistent.invalid:5432/db')
    const port = await closedPort()
    await expect(connectPostgres(`postgres://u@127.0.0.1:${port}/db`)).rejects.toMatchObject({
      code: 'TCP_REFUSED',
      phase: 'tcp',
    })
  })

  it('reports SOCKET_NOT_FOUND in phase socket for a socket directory with no server in it, and TCP_REFUSED for a dead socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarmac-no-socket-'))
    try {
      const missing = await probePostgres(`postgres://u:secret@/db?host=${dir}`)
      expect(missing.error).toMatchObject({ class: 'SOCKET_NOT_FOUND', phase: 'socket', code: 'ENOENT' })
      expect(Object.keys(missing.phases)).toEqual(['socket'])
      expect(missing.target).not.toContain('secret')
      // Something at the path that nobody listens on (Linux refuses a connect to it).
      writeFileSync(join(dir, '.s.PGSQL.5432'), '')
      const refused = await probePostgres(`postgres://u@/db?host=${dir}`)
      expect(refused.error).toMatchObject({ class: 'TCP_REFUSED', phase: 'socket' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('reports TCP_RESET in phase auth when the server resets after accepting', async () => {
    server = await startTestServer((socket) => socket.once('data', () => socket.resetAndDestroy()))
    const result = await probePostgres(`postgres://u@127.0.0.1:${server.port}/db`)
    expect(result.error).toMatchObject({ class: 'TCP_RESET', phase: 'auth', code: 'ECONNRESET' })
  })

  it('times out in phase auth against a server that never answers, and really closes the socket', async () => {
    server = await startTestServer()
    const error = await connectPostgres(`postgres://u@127.0.0.1:${server.port}/db`, { timeoutMs: 300 }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ProbeError)
    expect(error).toMatchObject({ code: 'TIMEOUT', phase: 'auth', cause: { code: 'ETIMEDOUT' } })
    // The 300 ms given fired (not the 5 s default), and not early.
    expect((error as ProbeError).message).toBe('auth did not complete within the 300 ms deadline')
    expect((error as ProbeError).phases?.auth).toBeGreaterThan(200)
    await server.closed(1)
  })

  it('rejects promptly when aborted mid-connect, the server sees the close, and nothing is left open', async () => {
    server = await startTestServer()
    const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length
    const controller = new AbortController()
    const pending = connectPostgres(`postgres://u@127.0.0.1:${server.port}/db`, { signal: controller.signal })
    while (server.accepted === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    let settled = false
    const error = pending.catch((e: unknown) => e).finally(() => (settled = true))
    controller.abort()
    // Promptly: settled before the event loop's next turn, so it waited for no timer and no I/O.
    await new Promise((resolve) => setImmediate(resolve))
    expect(settled).toBe(true)
    expect(await error).toMatchObject({ code: 'TIMEOUT', phase: 'auth', cause: { code: 'ABORT_ERR' } })
    await server.closed(1)
    // The accepted (server-side) socket is gone too; only the count we started with remains.
    await new Promise((resolve) => setImmediate(resolve))
    expect(process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length).toBeLessThanOrEqual(
      before,
    )
  })
})
