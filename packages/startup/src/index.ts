export type { Component, RetryOptions, StartContext, StopContext } from './component.js'
export type { StartupLogger } from './logger.js'
export { silentLogger, childLogger } from './logger.js'
