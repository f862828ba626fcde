export {
  loadConfig,
  port,
  durationMs,
  positiveInt,
  databaseBudgetEnv,
  logLevel,
  nodeEnv,
  urlWith,
} from './config.js'
export { HttpError, ConfigError, SERVICE_ERROR_CODES } from './errors.js'
export type { ServiceErrorCode, ConfigProblem } from './errors.js'
export { createLogger, serializeError, REDACTED_PATHS } from './logger.js'
export type { Logger } from './logger.js'
export { installErrorHandler, toClientError, isDependencyError } from './error-handler.js'
export { installReadinessGate, ALWAYS_OPEN_PREFIXES } from './readiness-gate.js'
export type { ServingState } from './readiness-gate.js'
export { createHttpServerComponent } from './http-server.js'
export type { HttpServerComponentOptions } from './http-server.js'
