import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError, durationMs, loadConfig, port, urlWith } from './index.js'

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
