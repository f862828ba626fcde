/** The logging surface the engine needs; pino's `Logger` satisfies it structurally. */
export interface StartupLogger {
  debug(object: object, message?: string): void
  info(object: object, message?: string): void
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

/** A logger that drops everything: the default when none is given, so a library never writes on its own. */
export const silentLogger: StartupLogger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
})

/** Prefixes every entry with a component's name, so each log line says who wrote it. */
export function childLogger(parent: StartupLogger, bindings: Record<string, unknown>): StartupLogger {
  return {
    debug: (object, message) => parent.debug({ ...bindings, ...object }, message),
    info: (object, message) => parent.info({ ...bindings, ...object }, message),
    warn: (object, message) => parent.warn({ ...bindings, ...object }, message),
    error: (object, message) => parent.error({ ...bindings, ...object }, message),
  }
}
