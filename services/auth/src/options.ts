import { z } from 'zod'
import {
  databaseBudgetEnv,
  drainDelayEnv,
  durationMs,
  healthToken,
  loadConfig,
  logLevel,
  nodeEnv,
  port,
  positiveInt,
  trustProxy,
  urlWith,
} from '@tarmac/service'

/** Defaults of every setting, units in the names. The README's config table repeats them. */
export const AUTH_DEFAULTS = Object.freeze({
  port: 8001,
  startupDeadlineMs: 120_000,
  dbConnectTimeoutMs: 30_000,
  dbQueryTimeoutMs: 5_000,
  accessTokenTtlS: 15 * 60,
  refreshTokenTtlS: 30 * 24 * 60 * 60,
  /** A login's refresh tokens all expire this long after it, however often they are rotated. */
  refreshFamilyTtlS: 90 * 24 * 60 * 60,
  /**
   * A just-rotated refresh token presented again this soon answers its successor instead of revoking the family:
   * two tabs (or a retry after a lost answer) refreshing at once is a race, not a theft.
   */
  refreshReuseGraceMs: 5_000,
  dataDir: '.tarmac',
  bodyLimitBytes: 16 * 1024,
  rateLimitWindowMs: 60_000,
  rateLimitPerIp: 30,
  rateLimitPerAccount: 10,
  rateLimitRefreshPerIp: 60,
  /** IPv6 clients are counted per network of this many bits: one subscriber's /64 is one client. */
  rateLimitIpv6PrefixBits: 64,
  keyRefreshIntervalMs: 60_000,
  /** How often sealed successors past the reuse grace window are cleared: a seal outlives it by at most this. */
  sealSweepIntervalMs: 5_000,
})

/** Origins as a comma list; each must be an http(s) origin without a path. */
const origins = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .refine((list) => list.every((origin) => /^https?:\/\/[^/\s]+$/.test(origin)), {
    message: 'must be a comma list of origins like https://chat.example.com (no path)',
  })

/** The environment the service reads, validated once at `init`. */
export const authConfigSchema = z.object({
  PORT: port(AUTH_DEFAULTS.port),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: urlWith('postgres:', 'postgresql:').optional(),
  REDIS_URL: urlWith('redis:', 'rediss:').optional(),
  HEALTH_TOKEN: healthToken,
  TRUST_PROXY: trustProxy,
  LOG_LEVEL: logLevel,
  NODE_ENV: nodeEnv,
  STARTUP_DEADLINE_MS: durationMs(AUTH_DEFAULTS.startupDeadlineMs),
  DB_CONNECT_TIMEOUT_MS: durationMs(AUTH_DEFAULTS.dbConnectTimeoutMs),
  DB_QUERY_TIMEOUT_MS: durationMs(AUTH_DEFAULTS.dbQueryTimeoutMs),
  ...databaseBudgetEnv,
  ...drainDelayEnv,
  CORS_ORIGINS: origins,
  ACCESS_TOKEN_TTL_S: positiveInt(AUTH_DEFAULTS.accessTokenTtlS),
  REFRESH_TOKEN_TTL_S: positiveInt(AUTH_DEFAULTS.refreshTokenTtlS),
  REFRESH_FAMILY_TTL_S: positiveInt(AUTH_DEFAULTS.refreshFamilyTtlS),
  REFRESH_REUSE_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(AUTH_DEFAULTS.refreshReuseGraceMs),
  TARMAC_DATA_DIR: z.string().default(AUTH_DEFAULTS.dataDir),
  RATE_LIMIT_WINDOW_MS: durationMs(AUTH_DEFAULTS.rateLimitWindowMs),
  RATE_LIMIT_PER_IP: positiveInt(AUTH_DEFAULTS.rateLimitPerIp),
  RATE_LIMIT_PER_ACCOUNT: positiveInt(AUTH_DEFAULTS.rateLimitPerAccount),
  RATE_LIMIT_REFRESH_PER_IP: positiveInt(AUTH_DEFAULTS.rateLimitRefreshPerIp),
  RATE_LIMIT_IPV6_PREFIX: z.coerce
    .number()
    .int()
    .min(32)
    .max(128)
    .default(AUTH_DEFAULTS.rateLimitIpv6PrefixBits),
})

/** The validated, frozen configuration. */
export type AuthConfig = Readonly<z.infer<typeof authConfigSchema>>

/**
 * Reads the configuration from the environment (or `env`); throws `ConfigError` naming every bad variable.
 * @example const config = loadAuthConfig({ PORT: '0', DATABASE_URL: db.url })
 */
export function loadAuthConfig(env: Record<string, string | undefined> = process.env): AuthConfig {
  return loadConfig(authConfigSchema, env)
}
