import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '@tarmac/service'
import { getFreePort } from '@tarmac/testing'
import { configSchema } from '../src/index.js'
import { startStack } from './support/backend-harness.js'
import { spawnBackend } from './support/child-backend.js'

// Health details and metrics are the operator's: a guessable token or an open /metrics gives them to anyone.
const TOKEN = 'backend-health-token-for-tests'

describe('HEALTH_TOKEN', () => {
  it('must be at least 16 characters', () => {
    expect(() => loadConfig(configSchema, { HEALTH_TOKEN: 'x' })).toThrow(ConfigError)
    expect(loadConfig(configSchema, { HEALTH_TOKEN: TOKEN }).HEALTH_TOKEN).toBe(TOKEN)
  })

  it('a short one fails init: exit 3 naming the variable', async () => {
    const child = spawnBackend({ PORT: String(await getFreePort()), HEALTH_TOKEN: 'x7q-tiny' })
    const { code } = await child.exited
    expect(code, child.stderr()).toBe(3)
    const line = child
      .stderr()
      .split('\n')
      .find((l) => l.startsWith('backend: startup failed'))
    expect(line).toContain('SERVICE_ERR_INVALID_CONFIG')
    expect(line).toContain('HEALTH_TOKEN')
    expect(child.stderr()).not.toContain('x7q-tiny')
  }, 90_000)
})

describe('/metrics', () => {
  let stack: Awaited<ReturnType<typeof startStack>>
  beforeAll(async () => {
    stack = await startStack('backend_metrics', { env: { HEALTH_TOKEN: TOKEN } })
  })
  afterAll(async () => stack?.close())

  it('answers 401 UNAUTHORIZED without the health token, even on loopback', async () => {
    const response = await fetch(`${stack.url}/metrics`)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it('answers Prometheus text to the token holder', async () => {
    const response = await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(response.status).toBe(200)
    expect(await response.text()).toMatch(/^tarmac_startup_state\{state="started"\} 1$/m)
  })
})
