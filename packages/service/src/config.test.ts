import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  ConfigError,
  databaseBudgetEnv,
  drainDelayEnv,
  drainDelayMsOf,
  durationMs,
  loadConfig,
  nodeEnv,
  port,
  urlWith,
} from './index.js'

const schema = z.object({
  PORT: port(8001),
  DATABASE_URL: urlWith('postgres:', 'postgresql:').optional(),
  STARTUP_DEADLINE_MS: durationMs(120_000),
  LLM_PROVIDER: z.enum(['local', 'openai']).default('local'),
})

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const config = loadConfig(schema, { PORT: '9000' })
    expect(config).toEqual({ PORT: 9000, STARTUP_DEADLINE_MS: 120_000, LLM_PROVIDER: 'local' })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('treats empty strings as unset', () => {
    expect(loadConfig(schema, { PORT: '', DATABASE_URL: '' }).PORT).toBe(8001)
  })

  it('lists every bad variable at once, without their values', () => {
    const secret = 'postgres-but-not-a-url-hunter2'
    try {
      loadConfig(schema, {
        PORT: 'eighty',
        DATABASE_URL: secret,
        STARTUP_DEADLINE_MS: '-5',
        LLM_PROVIDER: 'magic',
      })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      const configError = error as ConfigError
      expect(configError.code).toBe('SERVICE_ERR_INVALID_CONFIG')
      expect(configError.problems.map((p) => p.variable).sort()).toEqual([
        'DATABASE_URL',
        'LLM_PROVIDER',
        'PORT',
        'STARTUP_DEADLINE_MS',
      ])
      expect(configError.message).not.toContain('hunter2')
    }
  })
})

describe('the shared database and shutdown variables', () => {
  const shared = z.object({ ...databaseBudgetEnv, ...drainDelayEnv, NODE_ENV: nodeEnv })

  it('default to a direct connection, no migration URL, and the design drain delay', () => {
    const config = loadConfig(shared, {})
    expect(config).toMatchObject({ DB_POOLER: 'none', DB_POOL_MAX: 10, DB_FLEET_SIZE: 1 })
    expect(config.DATABASE_MIGRATION_URL).toBeUndefined()
    expect(drainDelayMsOf(config)).toBe(0)
    expect(drainDelayMsOf(loadConfig(shared, { NODE_ENV: 'production' }))).toBe(5_000)
    expect(drainDelayMsOf(loadConfig(shared, { NODE_ENV: 'production', DRAIN_DELAY_MS: '0' }))).toBe(0)
  })

  it('name every bad pooler setting', () => {
    expect(() =>
      loadConfig(shared, { DB_POOLER: 'session', DATABASE_MIGRATION_URL: 'http://x', DRAIN_DELAY_MS: '-1' }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.objectContaining({ variable: 'DB_POOLER' }),
          expect.objectContaining({ variable: 'DATABASE_MIGRATION_URL' }),
          expect.objectContaining({ variable: 'DRAIN_DELAY_MS' }),
        ],
      }),
    )
  })
})
