import { pino } from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import type { LevelWithSilent } from 'pino'

/** Paths never written to logs, whatever a handler logs by mistake. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.apiKey',
  '*.OPENAI_API_KEY',
  '*.HEALTH_TOKEN',
]

const CREDENTIALS_IN_URL = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@/?#\s]*@/gi

/** Errors are logged as code + one-line message: no stack traces in logs (they leak paths and internals). */
export function serializeError(error: unknown): { type: string; code?: string; message: string } {
  if (!(error instanceof Error))
    return { type: typeof error, message: String(error).replace(CREDENTIALS_IN_URL, '$1***@') }
  const code = (error as { code?: unknown }).code
  return {
    type: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: error.message.replace(/\s+/g, ' ').replace(CREDENTIALS_IN_URL, '$1***@').slice(0, 500),
  }
}

/**
 * Where a service's lines go by default: stdout, written synchronously. Each line is out before the call
 * returns, so nothing is buffered when the process exits (a crash or `process.exit` loses no line), and pino
 * registers no exit-time flush. That flush is what hung services: sonic-boom's `flushSync` retries every write
 * error, EPIPE included, so a service whose stdout reader died (`tarmac up` SIGKILLed) spun in its exit handler
 * forever. Written synchronously, the first EPIPE reaches pino's broken-pipe handler, which turns the logger
 * into a no-op, and the process exits.
 */
function stdoutDestination(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: true })
}

/**
 * A JSON logger for a service: its name on every line, secrets redacted, errors without stacks; by default
 * to stdout, synchronously (`stdoutDestination`).
 * @example const logger = createLogger({ name: 'auth', level: config.LOG_LEVEL })
 */
export function createLogger(options: {
  name: string
  level?: LevelWithSilent
  destination?: pino.DestinationStream
}): Logger {
  // Typed as Fastify's logger so `Fastify({ loggerInstance })` yields a plain `FastifyInstance`: with pino's
  // own (wider) type, Fastify infers a different logger generic and the app no longer fits `FastifyInstance`.
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '***' },
      serializers: { err: serializeError, error: serializeError },
    },
    options.destination ?? stdoutDestination(),
  )
}

/** A pino logger, as Fastify and the startup engine see it. */
export type Logger = FastifyBaseLogger
