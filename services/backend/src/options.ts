import { z } from 'zod'
import {
  databaseBudgetEnv,
  drainDelayEnv,
  durationMs,
  healthToken,
  logLevel,
  nodeEnv,
  port,
  positiveInt,
  trustProxy,
  urlWith,
} from '@tarmac/service'
import { BackendError } from './errors.js'

/** The seven startup phases, in order. */
export const BACKEND_PHASES = [
  'init',
  'dependencies',
  'database',
  'cache',
  'services',
  'websocket',
  'finalize',
] as const
export type BackendPhase = (typeof BACKEND_PHASES)[number]

/** The environment, validated once at `init`; every bad variable is listed in one error. */
export const configSchema = z
  .object({
    PORT: port(8000),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: urlWith('postgres:', 'postgresql:').optional(),
    TARMAC_DATA_DIR: z.string().default('.tarmac'),
    AUTH_URL: urlWith('http:', 'https:').default('http://127.0.0.1:8001'),
    REDIS_URL: urlWith('redis:', 'rediss:').optional(),
    LLM_PROVIDER: z.enum(['local', 'openai']).default('local'),
    OPENAI_BASE_URL: urlWith('http:', 'https:').optional(),
    OPENAI_API_KEY: z.string().optional(),
    LLM_MODEL: z.string().optional(),
    STARTUP_DEADLINE_MS: durationMs(120_000),
    DB_CONNECT_TIMEOUT_MS: durationMs(30_000),
    ...databaseBudgetEnv,
    /** A query is given up after this (client side; the connection is discarded): 503, not a hang. */
    DB_QUERY_TIMEOUT_MS: durationMs(10_000),
    /** Waiting for a pool connection, opening one included, is given up after this: 503. */
    DB_ACQUIRE_TIMEOUT_MS: durationMs(10_000),
    /**
     * Assistant runs one user may have running or waiting (across the fleet with REDIS_URL, else on this instance), over all their threads (one thread
     * runs one at a time and queues `maxQueuedRunsPerThread`); more sends are refused (`TOO_MANY_RUNS`).
     */
    CHAT_MAX_RUNS_PER_USER: positiveInt(10),
    /** Sockets one user may hold (fleet-wide with REDIS_URL, else on this instance); more are closed with 4429 (`TOO_MANY_SOCKETS`). */
    WS_MAX_SOCKETS_PER_USER: positiveInt(20),
    /** Sockets one client address may hold, fleet-wide with REDIS_URL (the address as `TRUST_PROXY` lets proxies say). */
    WS_MAX_SOCKETS_PER_IP: positiveInt(2_000),
    /** Which proxies may name the client (`X-Forwarded-For`): default loopback (the local frontend's tunnel). */
    TRUST_PROXY: trustProxy,
    ...drainDelayEnv,
    HEALTH_TOKEN: healthToken,
    LOG_LEVEL: logLevel,
    NODE_ENV: nodeEnv,
  })
  .superRefine((env, context) => {
    if (env.LLM_PROVIDER !== 'openai') return
    if (!env.OPENAI_BASE_URL)
      context.addIssue({
        code: 'custom',
        path: ['OPENAI_BASE_URL'],
        message: 'is required when LLM_PROVIDER=openai (e.g. https://api.openai.com/v1)',
      })
    if (!env.LLM_MODEL)
      context.addIssue({
        code: 'custom',
        path: ['LLM_MODEL'],
        message: 'is required when LLM_PROVIDER=openai',
      })
  })
export type BackendConfig = z.infer<typeof configSchema>

/** Knobs that are not environment variables: limits and timers, with units in their names. */
export const BACKEND_DEFAULTS = Object.freeze({
  /** After a JWKS fetch, a token with an unknown `kid` triggers no refetch for this long (jose's cooldown). */
  jwksCooldownMs: 30_000,
  /** A key set older than this is refreshed in the background (a failed refresh keeps it). */
  jwksMaxAgeMs: 10 * 60_000,
  /** A socket must authenticate within this. */
  authTimeoutMs: 5_000,
  /** Ping interval; a socket that has not answered the previous ping is terminated. */
  heartbeatIntervalMs: 30_000,
  /** Text frames above this get a `FRAME_TOO_LARGE` error frame; the socket stays open. */
  maxFrameBytes: 32 * 1024,
  /** Frames above this close the socket with 1009 (ws refuses to buffer them). */
  maxPayloadBytes: 1024 * 1024,
  /** `message.send` text limit, in characters. */
  maxMessageChars: 8_000,
  /** A socket whose unsent bytes exceed this is a slow consumer: it is terminated, not buffered. */
  maxBufferedBytes: 1024 * 1024,
  /** Per socket token bucket over every client frame: burst, then `rateLimitPerSecond`. */
  rateLimitBurst: 30,
  rateLimitPerSecond: 10,
  /** Threads a socket may follow at once. */
  maxSubscriptionsPerSocket: 100,
  /** Messages of history given to the assistant. */
  historyMessages: 20,
  /** Runs of one thread go one at a time; this many may wait, the next fails with `RUN_QUEUE_FULL`. */
  maxQueuedRunsPerThread: 8,
  /**
   * A run's streamed pieces are merged into one `run.delta` per this many ms (the first goes out at once):
   * a few frames per reply for every subscriber instead of one per token. 0 sends each piece as it comes.
   */
  deltaFlushMs: 25,
  /** On shutdown, runs in flight get this long to finish before they are aborted (and handed over). */
  runDrainMs: 5_000,
  /**
   * The run lease (one run per user message, fleet-wide): a lease not renewed for `runLeaseMs` is taken over by
   * another instance; its owner renews every `runLeaseHeartbeatMs`; every instance looks for expired leases every
   * `runLeaseSweepMs`; a message whose run died with its instance `runLeaseMaxAttempts` times gets `run.failed`.
   */
  runLeaseMs: 5_000,
  runLeaseHeartbeatMs: 1_000,
  runLeaseSweepMs: 1_000,
  runLeaseMaxAttempts: 3,
  /** The provider: until the first streamed byte, between bytes, and for a whole run. */
  providerConnectTimeoutMs: 30_000,
  providerIdleTimeoutMs: 30_000,
  providerRunTimeoutMs: 120_000,
  /** The finalize round trip and the websocket bus loopback must complete within these. */
  selfTestTimeoutMs: 30_000,
  busSelfTestTimeoutMs: 5_000,
  /** Redis channel prefix; tests use a unique one per run. */
  redisChannelPrefix: 'tarmac:',
  /** Prefix of the keys the fleet-wide caps count under in Redis. */
  redisKeyPrefix: 'tarmac:backend:',
  /**
   * With Redis, each instance renews its liveness key every `capsHeartbeatMs`: the counts of an instance that
   * died stop counting 3 heartbeats later. A caps command slower than `capsCommandTimeoutMs` counts as Redis
   * unreachable: the cap is then decided on this instance's own count (logged, `tarmac_backend_caps_fallback_total`).
   */
  capsHeartbeatMs: 5_000,
  capsCommandTimeoutMs: 1_000,
  /** Shutdown drain delay: 5 s in production, 0 locally (DESIGN.md). */
  productionDrainDelayMs: 5_000,
})
type Widen<T> = T extends number ? number : T extends string ? string : T
/** Any of `BACKEND_DEFAULTS`, overridden (tests shorten timers and limits). */
export type BackendOptions = {
  -readonly [K in keyof typeof BACKEND_DEFAULTS]?: Widen<(typeof BACKEND_DEFAULTS)[K]>
}
/** The knobs after validation: every one set, frozen. */
export type BackendKnobs = {
  readonly [K in keyof typeof BACKEND_DEFAULTS]: Widen<(typeof BACKEND_DEFAULTS)[K]>
}

const wholeMs = z.number('must be a number').int('must be an integer').min(0, 'must be ≥ 0')
const positiveMs = wholeMs.min(1, 'must be ≥ 1')
const count = positiveMs
type KnobSchema = { [K in keyof typeof BACKEND_DEFAULTS]: z.ZodType<Widen<(typeof BACKEND_DEFAULTS)[K]>> }
/** How each knob may be set: 0 only where it means "off" or "at once"; every other timer and limit ≥ 1. */
const KNOB_SCHEMA: KnobSchema = {
  jwksCooldownMs: wholeMs,
  jwksMaxAgeMs: positiveMs,
  authTimeoutMs: positiveMs,
  heartbeatIntervalMs: positiveMs,
  maxFrameBytes: count,
  maxPayloadBytes: count,
  maxMessageChars: count,
  maxBufferedBytes: count,
  rateLimitBurst: count,
  rateLimitPerSecond: z.number('must be a number').positive('must be > 0'),
  maxSubscriptionsPerSocket: count,
  historyMessages: count,
  maxQueuedRunsPerThread: wholeMs,
  deltaFlushMs: wholeMs,
  runDrainMs: wholeMs,
  runLeaseMs: positiveMs,
  runLeaseHeartbeatMs: positiveMs,
  runLeaseSweepMs: positiveMs,
  runLeaseMaxAttempts: count,
  providerConnectTimeoutMs: positiveMs,
  providerIdleTimeoutMs: positiveMs,
  providerRunTimeoutMs: positiveMs,
  selfTestTimeoutMs: positiveMs,
  busSelfTestTimeoutMs: positiveMs,
  redisChannelPrefix: z.string('must be a string'),
  redisKeyPrefix: z.string('must be a string'),
  capsHeartbeatMs: positiveMs,
  capsCommandTimeoutMs: positiveMs,
  productionDrainDelayMs: wholeMs,
}

/** The knobs' schema: unknown keys (a misspelt `runLeaseMS`) are refused, not ignored. */
export const backendOptionsSchema = z
  .strictObject(KNOB_SCHEMA)
  .partial()
  .refine((knobs) => (knobs.runLeaseHeartbeatMs ?? 0) < (knobs.runLeaseMs ?? Infinity), {
    path: ['runLeaseHeartbeatMs'],
    message: 'must be below runLeaseMs (the lease would expire between renewals)',
  })

/**
 * The knobs with their defaults, validated once: `BACKEND_ERR_INVALID_OPTIONS` lists every problem.
 * @example resolveBackendOptions({ runDrainMs: 0 }).runLeaseMs // 5000
 */
export function resolveBackendOptions(knobs: BackendOptions = {}): BackendKnobs {
  const merged = { ...BACKEND_DEFAULTS, ...knobs }
  const parsed = backendOptionsSchema.safeParse(merged)
  if (parsed.success) return Object.freeze(merged)
  const problems = parsed.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? `unknown option ${issue.keys.map((key) => `"${key}"`).join(', ')}`
      : `${issue.path.join('.')} ${issue.message}`,
  )
  throw new BackendError('BACKEND_ERR_INVALID_OPTIONS', `createBackend options: ${problems.join('; ')}`)
}
