import { defineFaults } from '@tarmac/faults'

/**
 * The codes the frontend server answers with itself (everything else it serves or proxies as is, and the
 * service kit's codes — `NOT_FOUND`, `INTERNAL`, `SERVICE_ERR_INVALID_CONFIG`… — apply as everywhere). A proxied
 * request that got no answer says nothing about whose fault it is: a crashed backend and a broken network look
 * the same from here, so both defer to the evidence (the service's recorded exit, its health documents).
 */
export const FRONTEND_FAULTS = defineFaults('@tarmac/frontend', {
  UPSTREAM_UNAVAILABLE: {
    status: 503,
    defers: true,
    meaning:
      'backend or auth refused, reset or could not be reached: the proxied request never got an answer',
    action:
      "retry; the status page shows that service's state, its last recorded cold start or exit, and the fault class",
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    defers: true,
    meaning: 'backend or auth accepted the request but did not answer in time',
    action: "retry; check the service's `/health/ready` and `/health/infrastructure`",
  },
  STARTUP_REPORT_REJECTED: {
    status: 401,
    domain: 'configuration',
    layer: 'client',
    meaning:
      "`POST /startup-reports` without a credential the collector's secret (`STARTUP_REPORT_TOKEN`) issued (or, with no secret, not from loopback with a loopback `Host`); refused before the body is read",
    action:
      "give each service its own credential: `STARTUP_REPORT_TOKEN=tsr1.<service>.<mac>` (`deriveStartupReportCredential(secret, service)`), or the frontend's secret, from which it derives its own",
  },
  STARTUP_REPORT_WRONG_SERVICE: {
    status: 403,
    domain: 'configuration',
    layer: 'client',
    meaning:
      "the body names another service than the sender's credential: a service writes its own records only",
    action: "check the service's `STARTUP_REPORT_TOKEN`: it is another service's credential",
  },
  STARTUP_REPORT_TOO_LARGE: {
    status: 413,
    domain: 'application',
    layer: 'application',
    meaning:
      'the report does not fit the per-record bound (64 KiB of JSON) even with component errors trimmed',
    action: 'report fewer components or shorter evidence; the bound is `COLLECTOR_BOUNDS.recordMaxBytes`',
  },
  STARTUP_REPORT_BUSY: {
    status: 503,
    retryAfterS: 1,
    domain: 'application',
    layer: 'application',
    meaning:
      'more reports arrived at once than the collector reads at once (4); refused before the body is read',
    action:
      'retry after `Retry-After`; the sender gives up after one try, which a fleet-wide cold start can hit',
  },
  STARTUP_REPORT_STORE_UNAVAILABLE: {
    status: 503,
    retryAfterS: 5,
    domain: 'infrastructure',
    layer: 'redis',
    meaning: "the collector's Redis (`REDIS_URL`) did not take the record",
    action: 'check Redis; reads are served from the last snapshot meanwhile',
  },
  STARTUP_REPORT_INTAKE_UNAVAILABLE: {
    status: 503,
    retryAfterS: 5,
    domain: 'application',
    layer: 'application',
    meaning:
      'the intake thread that parses and validates report bodies died or did not answer within 10 s; the next report starts a new one',
    action: "retry after `Retry-After`; the frontend's log says why the thread stopped",
  },
})

/** The frontend's own codes. */
export type FrontendErrorCode = (typeof FRONTEND_FAULTS.codes)[number]

/** The body of a proxied request that got no answer: which service, and the network class of the failure. */
export interface UpstreamErrorBody {
  code: FrontendErrorCode
  message: string
  service: string
  /** `@tarmac/probe`'s class: `TCP_REFUSED`, `TCP_RESET`, `TIMEOUT`… */
  errorClass: string
}
