import type { FaultDomain } from '@tarmac/probe'
import { faultDomainOf, isProbeErrorClass } from '@tarmac/probe'

/**
 * `@tarmac/postgres` codes by whose problem they most likely are. Connection-level failures (timeouts, refusals,
 * lost connections, full servers) point at the infrastructure; a wrong password, a missing database or a broken
 * migration is the application's configuration or code. Kept here as data so the status page can explain a
 * failure without importing a database driver.
 */
const POSTGRES_DOMAINS: Readonly<Record<string, FaultDomain>> = {
  PG_ERR_TIMEOUT: 'infrastructure',
  PG_ERR_UNREACHABLE: 'infrastructure',
  PG_ERR_CONNECTION_LOST: 'infrastructure',
  PG_ERR_HOST_NOT_FOUND: 'infrastructure',
  PG_ERR_TLS_FAILED: 'infrastructure',
  PG_ERR_TOO_MANY_CONNECTIONS: 'infrastructure',
  PG_ERR_STARTING_UP: 'infrastructure',
  PG_ERR_POOL_EXHAUSTED: 'infrastructure',
  PG_ERR_AUTH_FAILED: 'application',
  PG_ERR_DATABASE_NOT_FOUND: 'application',
  PG_ERR_QUERY_FAILED: 'application',
  PG_ERR_MIGRATION_FAILED: 'application',
  PG_ERR_MIGRATION_CHANGED: 'application',
  PG_ERR_INVALID_OPTIONS: 'application',
  PG_ERR_EMBEDDED_FAILED: 'application',
  SERVICE_ERR_INVALID_CONFIG: 'application',
  DEPENDENCY_UNAVAILABLE: 'infrastructure',
}

/** Codes that only say "it took too long": the real cause is the last error before them, if any. */
const WRAPPER_CODES = new Set([
  'STARTUP_ERR_ATTEMPT_TIMEOUT',
  'STARTUP_ERR_COMPONENT_DEADLINE',
  'STARTUP_ERR_DEADLINE_EXCEEDED',
  'STARTUP_ERR_CRITICAL_FAILED',
  'HEALTH_ERR_STALE',
  'HEALTH_ERR_TIMEOUT',
])

/**
 * Whose problem an error code most likely is: `@tarmac/probe`'s classes by its own table, `@tarmac/postgres` and
 * service-kit codes by the table above, timeouts of the startup engine as `infrastructure` (a dependency that
 * does not answer in time), anything else `unknown`.
 * @example faultDomainOfCode('TCP_REFUSED') // → 'infrastructure'
 */
export function faultDomainOfCode(code: string | undefined): FaultDomain {
  if (code === undefined) return 'unknown'
  if (isProbeErrorClass(code)) return faultDomainOf(code)
  const known = POSTGRES_DOMAINS[code]
  if (known !== undefined) return known
  if (WRAPPER_CODES.has(code) && code !== 'STARTUP_ERR_CRITICAL_FAILED') return 'infrastructure'
  return 'unknown'
}

/** The most telling code of a chain, newest first: the first one that is not a mere timeout wrapper. */
export function rootCodeOf(codes: readonly (string | undefined)[]): string | undefined {
  const present = codes.filter((code): code is string => code !== undefined)
  return present.find((code) => !WRAPPER_CODES.has(code)) ?? present[0]
}
