/**
 * The codes the frontend server answers with itself (everything else it serves or proxies as is, and the
 * service kit's codes — `NOT_FOUND`, `INTERNAL`, `SERVICE_ERR_INVALID_CONFIG`… — apply as everywhere).
 */
export const FRONTEND_ERROR_CODES = {
  UPSTREAM_UNAVAILABLE: {
    statusCode: 503,
    meaning:
      'backend or auth refused, reset or could not be reached: the proxied request never got an answer',
  },
  UPSTREAM_TIMEOUT: {
    statusCode: 504,
    meaning: 'backend or auth accepted the request but did not answer in time',
  },
} as const

export type FrontendErrorCode = keyof typeof FRONTEND_ERROR_CODES

/** The body of a proxied request that got no answer: which service, and the network class of the failure. */
export interface UpstreamErrorBody {
  code: FrontendErrorCode
  message: string
  service: string
  /** `@tarmac/probe`'s class: `TCP_REFUSED`, `TCP_RESET`, `TIMEOUT`… */
  errorClass: string
}
