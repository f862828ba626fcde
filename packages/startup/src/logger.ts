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
  return parent === silentLogger ? parent : new ChildLogger(parent, bindings)
}

/** One object per child (methods on the prototype): the engine makes one per attempt. */
class ChildLogger implements StartupLogger {
  readonly #parent: StartupLogger
  readonly #bindings: Record<string, unknown>
  constructor(parent: StartupLogger, bindings: Record<string, unknown>) {
    this.#parent = parent
    this.#bindings = bindings
  }
  debug(object: object, message?: string): void {
    this.#parent.debug({ ...this.#bindings, ...object }, message)
  }
  info(object: object, message?: string): void {
    this.#parent.info({ ...this.#bindings, ...object }, message)
  }
  warn(object: object, message?: string): void {
    this.#parent.warn({ ...this.#bindings, ...object }, message)
  }
  error(object: object, message?: string): void {
    this.#parent.error({ ...this.#bindings, ...object }, message)
  }
}
