import type { ProbeErrorClass } from './errors.js'

/** Whose problem a failure most likely is; the README's error table gives the reasoning per class. */
export const FAULT_DOMAINS = ['infrastructure', 'application', 'unknown'] as const
export type FaultDomain = (typeof FAULT_DOMAINS)[number]

const DOMAIN_OF: Readonly<Record<ProbeErrorClass, FaultDomain>> = {
  DNS_NOT_FOUND: 'infrastructure',
  DNS_TIMEOUT: 'infrastructure',
  TCP_REFUSED: 'infrastructure',
  TCP_UNREACHABLE: 'infrastructure',
  TCP_TIMEOUT: 'infrastructure',
  TCP_RESET: 'infrastructure',
  TLS_FAILED: 'infrastructure',
  TIMEOUT: 'infrastructure',
  PG_TOO_MANY_CONNECTIONS: 'infrastructure',
  PG_STARTING_UP: 'infrastructure',
  PG_AUTH_FAILED: 'application',
  PG_DB_NOT_FOUND: 'application',
  HTTP_STATUS: 'application',
  PG_ERROR: 'unknown',
  PROTOCOL_ERROR: 'unknown',
  UNKNOWN: 'unknown',
}

/**
 * The fault domain of an error class: `infrastructure` (network, name resolution, certificates,
 * server capacity or availability), `application` (the application's own answer or configuration:
 * credentials, database name, HTTP status) or `unknown`.
 * @example faultDomainOf('TCP_REFUSED') // → 'infrastructure'
 */
export function faultDomainOf(errorClass: ProbeErrorClass): FaultDomain {
  return DOMAIN_OF[errorClass] ?? 'unknown'
}
