export {
  loadConfig,
  port,
  durationMs,
  positiveInt,
  databaseBudgetEnv,
  drainDelayEnv,
  drainDelayMsOf,
  healthToken,
  logLevel,
  nodeEnv,
  urlWith,
} from './config.js'
export {
  trustProxy,
  trustFunction,
  parseTrustProxy,
  clientAddress,
  TRUST_PROXY_DEFAULT,
  TRUST_PROXY_RANGES,
  TRUST_PROXY_MAX_HOPS,
} from './trust-proxy.js'
export type { TrustProxy } from './trust-proxy.js'
export { HttpError, ConfigError, SERVICE_ERROR_CODES, SERVICE_FAULTS, SHARED_ERROR_CODES } from './errors.js'
export { KIT_FAULT_CATALOGS, createServiceFaultModel } from './fault-catalogs.js'
export type { ServiceErrorCode, ConfigProblem } from './errors.js'
export { createLogger, serializeError, REDACTED_PATHS } from './logger.js'
export type { Logger } from './logger.js'
export { installErrorHandler, createClientErrors } from './error-handler.js'
export type { ClientError } from './error-handler.js'
export { installReadinessGate, ALWAYS_OPEN_PREFIXES } from './readiness-gate.js'
export { installLazyValidation, type LazyValidationAjvOptions } from './lazy-validation.js'
export type { ServingState } from './readiness-gate.js'
export { createHttpServerComponent } from './http-server.js'
export type { HttpServerComponentOptions } from './http-server.js'
export { createColdStartSender, coldStartEnvSchema, COLD_START_OUTCOMES } from './cold-start-sender.js'
export {
  deriveStartupReportCredential,
  isStartupReportCredential,
  verifyStartupReportCredential,
} from './cold-start-credential.js'
export type {
  ColdStartOutcome,
  ColdStartRecord,
  ColdStartSender,
  ColdStartSenderOptions,
} from './cold-start-sender.js'
export {
  loadConfigOrExit,
  packageVersion,
  CONFIG_FAILURE_PHASE,
  CONFIG_FAILURE_COMPONENT,
} from './config-failure.js'
export type { LoadConfigOrExitOptions } from './config-failure.js'
export { runService } from './run-service.js'
export type { RunServiceOptions, ServiceContext } from './run-service.js'
