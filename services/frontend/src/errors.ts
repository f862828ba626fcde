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
    meaning: '`POST /startup-reports` without the collector token (`STARTUP_REPORT_TOKEN`)',
    action: 'give every service the same `STARTUP_REPORT_TOKEN` as the frontend',
  },
})

/** The frontend's own codes. */
export const FRONTEND_ERROR_CODES = FRONTEND_FAULTS.codes
export type FrontendErrorCode = (typeof FRONTEND_FAULTS.codes)[number]

/** The body of a proxied request that got no answer: which service, and the network class of the failure. */
export interface UpstreamErrorBody {
  code: FrontendErrorCode
  message: string
  service: string
  /** `@tarmac/probe`'s class: `TCP_REFUSED`, `TCP_RESET`, `TIMEOUT`… */
  errorClass: string
}
