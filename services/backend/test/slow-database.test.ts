import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConnector, type Connector } from '@tarmac/connector'
import { loadConfig } from '@tarmac/service'
import { createTestDatabase, TEST_POSTGRES, type TestDatabase } from '@tarmac/testing'
import { configSchema, createBackend, type Backend } from '../src/index.js'
import { startTestAuth, type TestAuth } from './support/test-auth.js'
import { ChatClient } from './support/ws-client.js'

let db: TestDatabase
let auth: TestAuth
let connector: Connector
let backend: Backend | undefined
beforeAll(async () => {
  db = await createTestDatabase('backend_slow_db')
  auth = await startTestAuth()
  connector = createConnector({ upstream: TEST_POSTGRES, establishDelayMs: 3_000 })
  await connector.listen()
})
afterAll(async () => {
  await backend?.shutdown('test done')
  await connector?.close()
  await auth?.close()
  await db?.drop()
})

describe('a slow database (VPC connector with a 3 s establishment delay)', () => {
  it('starts anyway, answers SERVICE_STARTING meanwhile, and /health/startup shows the database phase took ≥ 3 s', async () => {
    const config = loadConfig(configSchema, {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: connector.address.url(db.url),
      AUTH_URL: auth.url,
      LOG_LEVEL: 'silent',
    })
    backend = createBackend(config)
    const running = backend.run()
    // While the database phase waits on the connector, probes answer and traffic is refused.
    while (backend.startup.report().currentPhase !== 'database') await new Promise((r) => setTimeout(r, 20))
    const url = `http://127.0.0.1:${backend.port}`
    const during = await fetch(`${url}/api/threads`)
    expect(during.status).toBe(503)
    expect(((await during.json()) as { code: string }).code).toBe('SERVICE_STARTING')
    const startupDuring = await fetch(`${url}/health/startup`)
    expect(startupDuring.status).toBe(503)
    await expect(new ChatClient(`ws://127.0.0.1:${backend.port}/ws`).opened()).rejects.toThrow(/HTTP 503/)

    await running
    const startup = await fetch(`${url}/health/startup`)
    expect(startup.status).toBe(200)
    const body = (await startup.json()) as { report: { phases: { name: string; durationMs: number }[] } }
    const database = body.report.phases.find((phase) => phase.name === 'database')!
    expect(database.durationMs).toBeGreaterThanOrEqual(3_000)
    expect(connector.stats().establishedTotal).toBeGreaterThanOrEqual(1)
    expect((await fetch(`${url}/api/threads`)).status).toBe(401) // open now: it wants a token
  })
})
