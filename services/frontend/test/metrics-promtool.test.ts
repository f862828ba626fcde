import { createLogger } from '@tarmac/service'
import type { Startup } from '@tarmac/startup'
import { createTestDatabase, getFreePort, promtoolCheckMetrics, type TestDatabase } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFrontendStartup } from '../src/frontend-startup.js'
import { loadFrontendConfig } from '../src/options.js'
import { ServiceProcess } from './e2e-support.js'
import { createPublicDir } from './support.js'

// Every /metrics Tarmac serves must be valid Prometheus text: auth and backend as processes (their real
// startup, checks and metrics), the frontend through its real startup engine, all with a health token, and
// what each serves to its holder linted by `promtool check metrics` (a missing promtool fails the test).
const TOKEN = 'promtool-health-token-for-tests'
const site = createPublicDir()
const databases: TestDatabase[] = []
let auth: ServiceProcess | undefined
let backend: ServiceProcess | undefined
let frontend: Startup | undefined
let frontendUrl = ''

beforeAll(async () => {
  databases.push(await createTestDatabase('metrics_auth'), await createTestDatabase('metrics_backend'))
  auth = new ServiceProcess('auth', await getFreePort(), {
    DATABASE_URL: databases[0]!.url,
    HEALTH_TOKEN: TOKEN,
  })
  await auth.start()
  backend = new ServiceProcess('backend', await getFreePort(), {
    DATABASE_URL: databases[1]!.url,
    AUTH_URL: auth.url,
    LLM_PROVIDER: 'local',
    HEALTH_TOKEN: TOKEN,
  })
  await backend.start()
  const built = createFrontendStartup({
    logger: createLogger({ name: 'frontend', level: 'silent' }),
    config: loadFrontendConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      BACKEND_URL: backend.url,
      AUTH_URL: auth.url,
      PUBLIC_DIR: site.dir,
      HEALTH_TOKEN: TOKEN,
      NODE_ENV: 'test',
    }),
  })
  frontend = built.startup
  await frontend.run()
  frontendUrl = `http://127.0.0.1:${built.server.get().port}`
}, 240_000)

afterAll(async () => {
  await frontend?.shutdown('test over')
  await backend?.stop()
  await auth?.stop()
  for (const database of databases) await database.drop()
  site.remove()
})

describe("every service's /metrics passes promtool check metrics", () => {
  it.each(['auth', 'backend', 'frontend'] as const)('%s', async (name) => {
    const base = { auth: auth?.url, backend: backend?.url, frontend: frontendUrl }[name]
    const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' })
    // What was linted is the service's real exposition, event-loop lag included.
    expect(text).toMatch(/^tarmac_startup_state\{state="started"\} 1$/m)
    expect(text).toMatch(/^tarmac_event_loop_lag_p99_seconds \d/m)
  })
})
