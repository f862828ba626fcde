import { describe, expect, it } from 'vitest'
import { ConfigError } from '@tarmac/service'
import { AUTH_DEFAULTS, loadAuthConfig } from './options.js'

describe('loadAuthConfig', () => {
  it('fills every default', () => {
    const config = loadAuthConfig({})
    expect(config).toMatchObject({
      PORT: 8001,
      STARTUP_DEADLINE_MS: 120_000,
      DB_CONNECT_TIMEOUT_MS: 30_000,
      ACCESS_TOKEN_TTL_S: AUTH_DEFAULTS.accessTokenTtlS,
      REFRESH_TOKEN_TTL_S: AUTH_DEFAULTS.refreshTokenTtlS,
      REFRESH_FAMILY_TTL_S: 90 * 24 * 60 * 60,
      REFRESH_REUSE_GRACE_MS: 5_000,
      RATE_LIMIT_REFRESH_PER_IP: 60,
      // Only a proxy on this host may say where a request came from; production no longer implies "anyone".
      TRUST_PROXY: { kind: 'addresses', addresses: ['loopback'] },
      TARMAC_DATA_DIR: '.tarmac',
      CORS_ORIGINS: [],
    })
    expect(config.DATABASE_URL).toBeUndefined()
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('parses the CORS allowlist', () => {
    const config = loadAuthConfig({ CORS_ORIGINS: ' https://chat.example.com ,http://localhost:3000,' })
    expect(config.CORS_ORIGINS).toEqual(['https://chat.example.com', 'http://localhost:3000'])
  })

  it('lists every bad variable in one ConfigError, never their values', () => {
    let caught: unknown
    try {
      loadAuthConfig({
        PORT: '99999',
        DATABASE_URL: 'http://user:s3cret@db',
        HEALTH_TOKEN: 'short',
        REFRESH_TOKEN_TTL_S: '1.5',
        CORS_ORIGINS: 'chat.example.com',
        TRUST_PROXY: 'true',
      })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigError)
    const error = caught as ConfigError
    expect(error.code).toBe('SERVICE_ERR_INVALID_CONFIG')
    expect(error.problems.map((p) => p.variable).sort()).toEqual(
      ['CORS_ORIGINS', 'DATABASE_URL', 'HEALTH_TOKEN', 'PORT', 'REFRESH_TOKEN_TTL_S', 'TRUST_PROXY'].sort(),
    )
    expect(error.message).not.toContain('s3cret')
  })
})
