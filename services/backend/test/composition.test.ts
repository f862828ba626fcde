import { loadConfig } from '@tarmac/service'
import { describe, expect, it } from 'vitest'
import { BACKEND_DEFAULTS, BackendError, configSchema, createBackend } from '../src/index.js'

const config = loadConfig(configSchema, {
  PORT: '0',
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  LOG_LEVEL: 'silent',
})

/** The error `createBackend` throws for these knobs (none: it built, and is shut down unstarted). */
async function problemWith(knobs: Record<string, unknown>): Promise<BackendError | undefined> {
  try {
    const backend = createBackend(config, knobs)
    await backend.shutdown('not started')
    return undefined
  } catch (error) {
    if (error instanceof BackendError) return error
    throw error
  }
}

describe('createBackend options: validated once, every problem in one error', () => {
  it('refuses a misspelt knob instead of running on the default', async () => {
    const error = await problemWith({ runLeaseMS: 1_000 })
    expect(error?.code).toBe('BACKEND_ERR_INVALID_OPTIONS')
    expect(error?.message).toContain('"runLeaseMS"')
  })

  it('lists every out-of-range knob, and a lease renewed no sooner than it expires', async () => {
    const error = await problemWith({ maxFrameBytes: 0, heartbeatIntervalMs: -5, rateLimitBurst: 1.5 })
    expect(error?.code).toBe('BACKEND_ERR_INVALID_OPTIONS')
    for (const knob of ['maxFrameBytes', 'heartbeatIntervalMs', 'rateLimitBurst'])
      expect(error?.message).toContain(knob)
    const lease = await problemWith({ runLeaseMs: 1_000, runLeaseHeartbeatMs: 1_000 })
    expect(lease?.message).toMatch(/runLeaseHeartbeatMs must be below runLeaseMs/)
  })

  it('takes the defaults and the overrides tests use (0 where it means off or at once)', async () => {
    expect(await problemWith({})).toBeUndefined()
    expect(await problemWith({ ...BACKEND_DEFAULTS })).toBeUndefined()
    expect(await problemWith({ runDrainMs: 0, jwksCooldownMs: 0, deltaFlushMs: 0 })).toBeUndefined()
  })
})
