import { defineFaults } from '@tarmac/faults'

const programmingError = (meaning: string, action: string) =>
  ({ domain: 'application', layer: 'application', meaning, action }) as const

/** The codes with their fault domain and layer: a `@tarmac/faults` catalog, validated where it is declared. */
export const STARTUP_FAULTS = defineFaults('@tarmac/startup', {
  STARTUP_ERR_INVALID_OPTIONS: programmingError(
    '`createStartup` options are wrong; the message lists every problem',
    'fix the listed options',
  ),
  STARTUP_ERR_INVALID_COMPONENT: programmingError(
    "a component's shape is wrong (no `start`, bad timeout, unknown key…)",
    'fix the listed fields',
  ),
  STARTUP_ERR_DUPLICATE_COMPONENT: programmingError(
    'two components share a name',
    'rename one: names key the report',
  ),
  STARTUP_ERR_UNKNOWN_PHASE: programmingError(
    'a component names a phase that is not declared',
    'add the phase, or fix the name',
  ),
  STARTUP_ERR_ALREADY_RUN: programmingError(
    '`add()` or `run()` after `run()`',
    'build a new startup per boot',
  ),
  STARTUP_ERR_ATTEMPT_TIMEOUT: {
    defers: true,
    domain: 'infrastructure',
    layer: 'startup',
    meaning: 'one attempt took longer than `timeoutMs` (recorded per attempt; its signal aborted)',
    action: "find the slow hop (the dependency's own error or timings); raise `timeoutMs` only with evidence",
  },
  STARTUP_ERR_COMPONENT_DEADLINE: {
    defers: true,
    domain: 'infrastructure',
    layer: 'startup',
    meaning: 'a component used up its `retry.deadlineMs`',
    action: 'as above; the message includes the last real error',
  },
  STARTUP_ERR_DEADLINE_EXCEEDED: {
    defers: true,
    domain: 'infrastructure',
    layer: 'startup',
    meaning: 'the startup `deadlineMs` passed; the message includes the last real error',
    action:
      "look at the failing component's attempts in the report; keep the deadline under the platform's startup window",
  },
  STARTUP_ERR_ABORTED: {
    defers: true,
    domain: 'infrastructure',
    layer: 'process',
    meaning: 'shutdown began during startup, or a parallel sibling failed',
    action:
      "expected on SIGTERM while starting (a platform giving up on the instance); else read the sibling's error",
  },
  STARTUP_ERR_CRITICAL_FAILED: {
    defers: true,
    meaning: 'a critical component could not start; `cause` is its last error, `report` the report',
    action: 'read the human line: phase, component, code, reason',
  },
  STARTUP_ERR_NOT_STARTED: programmingError(
    "a `ResourceHandle`'s `get()` was called before its component started, or after it stopped",
    'read it from a later phase (or after `run()`); use `peek()` where the component may be down',
  ),
  STARTUP_ERR_STOP_TIMEOUT: programmingError(
    'a `stop` did not finish within `stopTimeoutMs` (recorded as `stopError`; exit code 1)',
    'make `stop` honour its signal, or raise `stopTimeoutMs`',
  ),
  STARTUP_ERR_STOP_FAILED: programmingError(
    'a `stop` threw (recorded as `stopError`; exit code 1)',
    "fix the component's `stop`",
  ),
})

/** Every code `@tarmac/startup` can throw or record. Each is documented in the package README. */
export const STARTUP_ERROR_CODES = STARTUP_FAULTS.codes
export type StartupErrorCode = (typeof STARTUP_ERROR_CODES)[number]

/** The one error class of this package; `code` is from a closed list, `cause` is kept. */
export class StartupError extends Error {
  override readonly name = 'StartupError'
  /** Set on `STARTUP_ERR_CRITICAL_FAILED` and `STARTUP_ERR_ABORTED`: the report at the moment startup ended. */
  readonly report: unknown

  constructor(
    readonly code: StartupErrorCode,
    message: string,
    options?: { cause?: unknown; report?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.report = options?.report
  }
}

/** The code to record for any error: its own string `code` if it has one, else its name. */
export function errorCodeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.length > 0) return code
    if (error instanceof Error) return error.name === 'Error' ? 'ERROR' : error.name
  }
  return 'UNKNOWN'
}

const CREDENTIALS_IN_URL = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@/?#\s]*@/gi

/** One line, at most 300 characters, with passwords in URLs replaced: safe for logs and probes. */
export function safeMessageOf(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error)
  const line = raw.replace(/\s+/g, ' ').trim().replace(CREDENTIALS_IN_URL, '$1***@')
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}
