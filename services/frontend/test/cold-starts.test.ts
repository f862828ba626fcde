import { getFreePort } from '@tarmac/testing'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFrontendApp } from '../src/app.js'
import { createColdStartLog, type ColdStartLog } from '../src/cold-start-log.js'
import type { StatusBoard } from '../src/status-types.js'
import { createPublicDir } from './support.js'

const TOKEN = 'collector-token-0123456789'

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
    log = createColdStartLog()
    app = await createFrontendApp({
      config: {
        BACKEND_URL: closed,
        AUTH_URL: closed,
        HEALTH_TOKEN: undefined,
        STARTUP_REPORT_TOKEN: TOKEN,
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
    expect(log.list()).toEqual([])
  })

  it('stores nothing secret: credentials in messages are redacted, unknown keys dropped', async () => {
    const leaky = {
      ...record('failed', 'connecting to postgres://app:hunter2@db:5432/chat failed'),
      environment: { OPENAI_API_KEY: 'sk-secret' },
    }
    expect((await post(leaky, TOKEN)).status).toBe(202)
    const [stored] = log.list({ service: 'backend' })
    const text = JSON.stringify(stored)
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
})
