import { afterAll, describe, expect, it } from 'vitest'
import { createConnector } from '@tarmac/connector'
import { createTestDatabase, TEST_POSTGRES } from '@tarmac/testing'
import { createAuthService, loadAuthConfig } from '../src/index.js'

// The outage this project answers: the database is slow or briefly away while the service boots. Auth must
// answer probes meanwhile, refuse traffic with SERVICE_STARTING, and start once Postgres is there.
describe('a slow database at boot', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('answers probes while Postgres refuses, then starts when it comes back', async () => {
    const db = await createTestDatabase('auth_slow')
    cleanups.push(() => db.drop())
    const connector = createConnector({ upstream: TEST_POSTGRES, establishDelayMs: 500 })
    const address = await connector.listen()
    cleanups.push(() => connector.close())
    connector.down()

    const service = await createAuthService(
      loadAuthConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: address.url(db.url),
        LOG_LEVEL: 'silent',
        DB_CONNECT_TIMEOUT_MS: '2000',
      }),
    )
    cleanups.push(() => service.startup.shutdown('test'))
    const running = service.startup.run()

    // init has listened; database keeps retrying
    let port = 0
    for (let i = 0; i < 100 && !port; i++) {
      const address = service.app.server.address()
      if (typeof address === 'object' && address) port = address.port
      else await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const base = `http://127.0.0.1:${port}`
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const startup = await fetch(`${base}/health/startup`)
    expect(startup.status).toBe(503)
    expect(((await startup.json()) as { phase?: string }).phase).toBe('database')
    expect((await fetch(`${base}/health/ready`)).status).toBe(503)
    expect((await fetch(`${base}/health/live`)).status).toBe(200)
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.com', password: 'whatever password' }),
    })
    expect(login.status).toBe(503)
    expect(((await login.json()) as { code: string }).code).toBe('SERVICE_STARTING')

    connector.up()
    const report = await running
    expect(report.state).toBe('started')
    const postgres = report.phases.flatMap((p) => p.components).find((c) => c.name === 'postgres')!
    expect(postgres.attempts).toBeGreaterThan(1)
    expect(postgres.errors[0]?.code).toMatch(/^PG_ERR_/)
    const signup = await fetch(`${base}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'slow@example.com',
        password: 'long enough password',
        displayName: 'Slow',
      }),
    })
    expect(signup.status).toBe(201)
  })
})
