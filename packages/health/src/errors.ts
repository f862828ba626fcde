import { defineFaults } from '@tarmac/faults'

/** Every code `@tarmac/health` can throw or record in a probe body, with its fault domain and layer. */
export const HEALTH_FAULTS = defineFaults('@tarmac/health', {
  HEALTH_ERR_INVALID_OPTIONS: {
    domain: 'application',
    layer: 'application',
    meaning:
      'registry, plugin or Kubernetes options are wrong, or `PLATFORM_STARTUP_WINDOW_MS` is not a number; the message lists every problem',
    action: 'fix the listed options',
  },
  HEALTH_ERR_INVALID_CHECK: {
    domain: 'application',
    layer: 'application',
    meaning: "a check's shape is wrong (name not `component:measurement`, no `run`, bad interval…)",
    action: 'fix the listed fields',
  },
  HEALTH_ERR_DUPLICATE_CHECK: {
    domain: 'application',
    layer: 'application',
    meaning: 'two checks share a name',
    action: 'rename one: names key the body and the metrics',
  },
  HEALTH_ERR_CHECK_TIMEOUT: {
    defers: true,
    domain: 'infrastructure',
    meaning:
      "a run took longer than `timeoutMs`; it was aborted and recorded as failed (the check's `layer` says where)",
    action:
      'find the slow dependency (its own timings in `/health/infrastructure`); raise the timeout only with evidence',
  },
  HEALTH_ERR_CHECK_FAILED: {
    defers: true,
    meaning: "a run threw an error without a code of its own, or returned `status: 'fail'`",
    action: "read `output`; give the check's errors codes",
  },
  HEALTH_ERR_INVALID_RESULT: {
    domain: 'application',
    layer: 'application',
    meaning: '`run` returned something that is not an observation (not an object, unknown status)',
    action: 'return `{ status?, observedValue, observedUnit, … }`',
  },
  HEALTH_ERR_CHECK_STALE: {
    defers: true,
    domain: 'infrastructure',
    meaning: 'the last result is older than `staleAfterMs`: the check is hung or its runs stopped',
    action: "look for a run that ignores its signal; the last result's `time` says since when",
  },
  HEALTH_ERR_CHECK_PENDING: {
    defers: true,
    meaning: 'the check has not finished its first run yet',
    action: 'wait one check duration; if it lasts, see `HEALTH_ERR_CHECK_TIMEOUT`',
  },
  HEALTH_ERR_CONTRIBUTION_FAILED: {
    domain: 'application',
    layer: 'application',
    meaning:
      "a contributed component's check factory threw, or one of its checks could not be added (a name already taken): logged; the component has none of its checks (all or nothing)",
    action: "fix the factory; the log line names the component and the cause's code",
  },
  HEALTH_ERR_UNKNOWN_COMPONENT: {
    status: 404,
    domain: 'application',
    layer: 'client',
    meaning: '`/health/infrastructure/:component` names a component with no checks',
    action: 'use a component from `/health/infrastructure`',
  },
  HEALTH_ERR_EVENT_LOOP_LAG: {
    status: 503,
    domain: 'application',
    layer: 'process',
    meaning: '`/health/live` fails: the event loop lags past `maxEventLoopLagMs`',
    action:
      'profile the process (`--cpu-prof`); a synchronous hot path is blocking the loop — or the host starves it of CPU',
  },
  HEALTH_ERR_STARTING: {
    status: 503,
    defers: true,
    meaning: 'ready/startup probe: the service is still starting (`output` names the phase)',
    action: 'wait; `/health/startup` shows the phase and progress',
  },
  HEALTH_ERR_STARTUP_FAILED: {
    status: 503,
    defers: true,
    meaning:
      'ready/startup probe: startup failed (`failure` names the phase, component, code, domain and layer)',
    action: 'read the startup report (with the token) or the exit line',
  },
  HEALTH_ERR_SHUTTING_DOWN: {
    status: 503,
    domain: 'infrastructure',
    layer: 'process',
    meaning: 'ready probe: shutdown began; readiness fails before the drain delay and any stop',
    action: "expected on SIGTERM (a deploy, a scale-in); if nobody stopped it, look at the platform's events",
  },
  HEALTH_ERR_PROBE_BUSY: {
    status: 429,
    domain: 'application',
    layer: 'client',
    meaning: 'an in-service probe is already running on this instance',
    action: 'wait for it; probes are single-flight because each one opens real connections',
  },
})

/** Every code of `@tarmac/health`. Each is documented in the package README. */
export const HEALTH_ERROR_CODES = HEALTH_FAULTS.codes
export type HealthErrorCode = (typeof HEALTH_ERROR_CODES)[number]

/** The one error class of this package; `code` is from a closed list, `cause` is kept. */
export class HealthError extends Error {
  override readonly name = 'HealthError'

  constructor(
    readonly code: HealthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
  }
}
