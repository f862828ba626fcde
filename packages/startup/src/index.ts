export { createStartup } from './startup.js'
export type { Startup } from './startup.js'
export type { Component, RetryOptions, StartContext, StopContext } from './component.js'
export type { ResourceHandle } from './resource-handle.js'
export { STARTUP_DEFAULTS } from './options.js'
export type { StartupOptions, PhaseDefinition, FaultClassifier } from './options.js'
export { RETRY_DEFAULTS, backoffWindowMs, fullJitterDelayMs } from './retry-policy.js'
export { runMain, failureLine, EXIT_CODES } from './run-main.js'
export type { RunMainOptions } from './run-main.js'
export { StartupError, STARTUP_ERROR_CODES, STARTUP_FAULTS, errorCodeOf, safeMessageOf } from './errors.js'
export type { StartupErrorCode } from './errors.js'
export { STARTUP_STATES, PHASE_STATES, COMPONENT_STATES, STARTUP_EVENT_TYPES } from './states.js'
export type { StartupState, PhaseState, ComponentState, StartupEventType } from './states.js'
export type {
  StartupReport,
  PhaseReport,
  ComponentReport,
  AttemptError,
  StartupFailure,
  StartupEvent,
  StartupEventListener,
} from './startup-report.js'
export type { StartupLogger } from './logger.js'
export { silentLogger, childLogger } from './logger.js'
export { sleep } from './abort.js'
export { causeChain, CAUSE_CHAIN_MAX_LENGTH } from './cause-chain.js'
export { drain } from './drain.js'
export type { DrainOptions } from './drain.js'
