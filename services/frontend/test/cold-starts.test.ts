import { deriveStartupReportCredential } from '@tarmac/service'
import { getFreePort } from '@tarmac/testing'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFrontendApp } from '../src/app.js'
import { createColdStartLog, type ColdStartLog } from '../src/cold-start-log.js'
import type { StatusBoard } from '../src/status-types.js'
import { createPublicDir } from './support.js'

const SECRET = 'collector-token-0123456789'
/** What a backend instance holds: its own credential, not the collector's secret. */
const TOKEN = deriveStartupReportCredential(SECRET, 'backend')

/** A startup report as `@tarmac/startup` writes it: the postgres admission failed three times, then the deadline. */
function failedReport(message: string) {
  const attempt = (n: number) => ({
    attempt: n,
    code: 'PG_ERR_TOO_MANY_CONNECTIONS',
    message,
    durationMs: 900,
    at: '2026-11-29T12:00:00.000Z',
    domain: 'infrastructure',
    layer: 'postgres-capacity',
    evidence: { sqlState: '53300', timingsMs: { dns: 0.3, tcp: 850, auth: 40 } },
  })
  return {
    service: 'backend',
    state: 'failed',
    currentPhase: 'database',
    startedAt: '2026-11-29T12:00:00.000Z',
    durationMs: 4_000,
    deadlineMs: 4_000,
    phases: [
      {
        name: 'database',
        parallel: false,
        state: 'failed',
        startedAt: '2026-11-29T12:00:00.000Z',
        durationMs: 4_000,
        components: [
          {
            name: 'postgres',
            phase: 'database',
            critical: true,
            timeoutMs: 30_000,
            state: 'failed',
            startedAt: '2026-11-29T12:00:00.000Z',
            durationMs: 4_000,
            attempts: 3,
            errors: [attempt(1), attempt(2), attempt(3)],
          },
        ],
      },
    ],
    failure: {
      phase: 'database',
      component: 'postgres',
      code: 'STARTUP_ERR_DEADLINE_EXCEEDED',
      message,
      domain: 'infrastructure',
      layer: 'postgres-capacity',
      cause: { code: 'PG_ERR_TOO_MANY_CONNECTIONS', message },
    },
  }
}

const record = (outcome: 'ready' | 'failed', message = 'sorry, too many clients already') => ({
  service: 'backend',
  instance: 'backend-7f9c:4242',
  version: '0.1.0',
  outcome,
  sentAt: new Date().toISOString(),
  report: failedReport(message),
})

describe('the cold-start collector (POST /startup-reports)', () => {
  const site = createPublicDir()
  let app: FastifyInstance
  let base: string
  let log: ColdStartLog

  beforeAll(async () => {
    const closed = `http://127.0.0.1:${await getFreePort()}`
    log = createColdStartLog({ summaryMs: 0 }) // every read sees the last post
    app = await createFrontendApp({
      config: {
        BACKEND_URL: closed,
        AUTH_URL: closed,
        HEALTH_TOKEN: undefined,
        STARTUP_REPORT_TOKEN: SECRET,
        STATUS_TIMEOUT_MS: 1_000,
        PUBLIC_DIR: site.dir,
        NODE_ENV: 'test',
      },
      coldStarts: log,
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  })
  afterAll(async () => {
    await app?.close()
    site.remove()
  })

  const post = (body: unknown, token?: string) =>
    fetch(`${base}/startup-reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    })

  it('refuses a report without the collector token, and a body that is not a report, with codes', async () => {
    const refused = await post(record('failed'))
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ code: 'STARTUP_REPORT_REJECTED' })
    const wrong = await post({ service: 'Backend!', outcome: 'maybe' }, TOKEN)
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toMatchObject({ code: 'VALIDATION_FAILED' })
    const secretItself = await post(record('failed'), SECRET)
    expect(secretItself.status).toBe(401) // the secret is the collector's: senders present a credential
    expect(log.facts()).toEqual([])
  })

  it('stores nothing secret: credentials in messages are redacted, unknown keys dropped', async () => {
    const leaky = {
      ...record('failed', 'connecting to postgres://app:hunter2@db:5432/chat failed'),
      environment: { OPENAI_API_KEY: 'sk-secret' },
    }
    expect((await post(leaky, TOKEN)).status).toBe(202)
    const { records } = await log.page({ service: 'backend', limit: 10 })
    expect(records).toHaveLength(1)
    const text = JSON.stringify(records[0])
    expect(text).not.toContain('hunter2')
    expect(text).not.toContain('sk-secret')
    expect(text).toContain('postgres://app:***@db:5432/chat')
  })

  it('summarises the last 15 minutes per service on /status/cold-starts and on the status board', async () => {
    expect((await post(record('ready'), TOKEN)).status).toBe(202)
    const summary = (await (await fetch(`${base}/status/cold-starts`)).json()) as {
      services: {
        service: string
        total: number
        failed: number
        failedByPhase: Record<string, number>
        lastFailure: Record<string, unknown>
        connectMs: Record<string, { p50: number; p95: number; samples: number }>
      }[]
    }
    const backend = summary.services.find((s) => s.service === 'backend')!
    expect(backend).toMatchObject({ total: 2, failed: 1, failedByPhase: { database: 1 } })
    expect(backend.lastFailure).toMatchObject({
      phase: 'database',
      component: 'postgres',
      code: 'STARTUP_ERR_DEADLINE_EXCEEDED',
      causeCode: 'PG_ERR_TOO_MANY_CONNECTIONS',
      layer: 'postgres-capacity',
    })
    expect(backend.lastFailure).not.toHaveProperty('message') // public: codes, never messages
    expect(backend.connectMs.tcp).toEqual({ p50: 850, p95: 850, samples: 6 })

    const board = (await (await fetch(`${base}/status/services`)).json()) as StatusBoard
    const card = board.services.find((s) => s.name === 'backend')!
    expect(card.coldStarts).toMatchObject({ total: 2, failed: 1, failedByPhase: { database: 1 } })
    expect(card.fault).toMatchObject({ domain: 'unknown' })
    expect(card.fault!.evidence.join('\n')).toMatch(/last recorded cold start: ready at/)
  })

  it('reads the raw records only with the health token (here: from loopback, none being set)', async () => {
    const response = await fetch(`${base}/startup-reports?service=backend`)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { records: unknown[] }).records).toHaveLength(2)
  })

  it("a sender with backend's credential cannot write auth's record", async () => {
    const asAuth = { ...record('failed'), service: 'auth', report: { ...failedReport('x'), service: 'auth' } }
    const refused = await post(asAuth, TOKEN)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ code: 'STARTUP_REPORT_WRONG_SERVICE' })
    // Backend's mac under auth's name is no credential at all.
    const forged = await post(asAuth, TOKEN.replace('.backend.', '.auth.'))
    expect(forged.status).toBe(401)
    expect(log.facts({ service: 'auth' })).toEqual([])
    // Auth's own credential writes auth's record.
    expect((await post(asAuth, deriveStartupReportCredential(SECRET, 'auth'))).status).toBe(202)
    expect(log.facts({ service: 'auth' })).toHaveLength(1)
  })

  it('pages the raw records: limit and cursor, newest first, each once', async () => {
    for (let i = 0; i < 3; i++) expect((await post(record('ready'), TOKEN)).status).toBe(202)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const url: string = `${base}/startup-reports?service=backend&limit=2${cursor ? `&cursor=${cursor}` : ''}`
      const page = (await (await fetch(url)).json()) as {
        records: { sentAt: string }[]
        nextCursor: string | null
      }
      expect(page.records.length).toBeLessThanOrEqual(2)
      seen.push(...page.records.map((r) => JSON.stringify(r)))
      cursor = page.nextCursor
      pages++
    } while (cursor !== null && pages < 10)
    expect(pages).toBe(3)
    expect(seen).toHaveLength(5)
    expect(new Set(seen).size).toBe(5)
    expect((await fetch(`${base}/startup-reports?limit=0`)).status).toBe(400)
    expect((await fetch(`${base}/startup-reports?limit=101`)).status).toBe(400)
  })

  it('refuses a loopback reader whose Host is not a loopback name (DNS rebinding)', async () => {
    const { request } = await import('node:http')
    const port = new URL(base).port
    const status = await new Promise<number>((resolve, reject) =>
      request(
        { host: '127.0.0.1', port, path: '/startup-reports', headers: { host: `evil.example:${port}` } },
        (r) => {
          r.resume()
          resolve(r.statusCode ?? 0)
        },
      )
        .on('error', reject)
        .end(),
    )
    expect(status).toBe(401)
  })
})

describe('/status/cold-starts: public counts, details behind the health token', () => {
  const site = createPublicDir()
  const HEALTH = 'health-token-0123456789'
  let app: FastifyInstance
  let base: string

  beforeAll(async () => {
    const closed = `http://127.0.0.1:${await getFreePort()}`
    app = await createFrontendApp({
      config: {
        BACKEND_URL: closed,
        AUTH_URL: closed,
        HEALTH_TOKEN: HEALTH,
        STARTUP_REPORT_TOKEN: SECRET,
        STATUS_TIMEOUT_MS: 1_000,
        PUBLIC_DIR: site.dir,
        NODE_ENV: 'test',
      },
      coldStarts: createColdStartLog({ summaryMs: 0 }),
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    const posted = await fetch(`${base}/startup-reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(record('failed')),
    })
    expect(posted.status).toBe(202)
  })
  afterAll(async () => {
    await app?.close()
    site.remove()
  })

  it('shows anyone counts, phases and the verdict; no instance names, send times or timings', async () => {
    const body = (await (await fetch(`${base}/status/cold-starts`)).json()) as {
      details: boolean
      services: Record<string, unknown>[]
    }
    expect(body.details).toBe(false)
    const backend = body.services.find((s) => s.service === 'backend')!
    expect(backend).toMatchObject({ total: 1, failed: 1, failedByPhase: { database: 1 }, connectMs: {} })
    expect(backend.lastFailure).toEqual({
      phase: 'database',
      component: 'postgres',
      code: 'STARTUP_ERR_DEADLINE_EXCEEDED',
      causeCode: 'PG_ERR_TOO_MANY_CONNECTIONS',
      domain: 'infrastructure',
      layer: 'postgres-capacity',
    })
    const text = JSON.stringify(body)
    expect(text).not.toContain('backend-7f9c')
    expect(text).not.toContain('too many clients')
  })

  it('shows the token holder the instance, the time and the connect timings', async () => {
    const body = (await (
      await fetch(`${base}/status/cold-starts`, { headers: { authorization: `Bearer ${HEALTH}` } })
    ).json()) as {
      details: boolean
      services: { lastFailure: unknown; connectMs: Record<string, unknown>; service: string }[]
    }
    expect(body.details).toBe(true)
    const backend = body.services.find((s) => s.service === 'backend')!
    expect(backend.lastFailure).toMatchObject({ instance: 'backend-7f9c:4242', at: expect.any(String) })
    expect(backend.lastFailure).not.toHaveProperty('message')
    expect(backend.connectMs.tcp).toEqual({ p50: 850, p95: 850, samples: 3 })
  })
})

describe('the collector without a secret (a local stack)', () => {
  const site = createPublicDir()
  let app: FastifyInstance

  beforeAll(async () => {
    const closed = `http://127.0.0.1:${await getFreePort()}`
    app = await createFrontendApp({
      config: {
        BACKEND_URL: closed,
        AUTH_URL: closed,
        HEALTH_TOKEN: undefined,
        STATUS_TIMEOUT_MS: 1_000,
        PUBLIC_DIR: site.dir,
        NODE_ENV: 'test',
      },
    })
  })
  afterAll(async () => {
    await app?.close()
    site.remove()
  })

  const postAs = (host: string, remoteAddress = '127.0.0.1') =>
    app.inject({
      method: 'POST',
      url: '/startup-reports',
      remoteAddress,
      headers: { host, 'content-type': 'application/json' },
      payload: record('ready'),
    })

  it('takes reports from loopback under a loopback Host only: not from a rebound evil.example', async () => {
    expect((await postAs('127.0.0.1:3000')).statusCode).toBe(202)
    expect((await postAs('localhost:3000')).statusCode).toBe(202)
    const rebound = await postAs('evil.example:3000')
    expect(rebound.statusCode).toBe(401)
    expect(rebound.json()).toMatchObject({ code: 'STARTUP_REPORT_REJECTED' })
    expect((await postAs('127.0.0.1:3000', '10.0.0.9')).statusCode).toBe(401)
  })
})
