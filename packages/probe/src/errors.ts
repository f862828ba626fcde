import type { PhaseTimings, ProbePhase } from './phases.js'

import { defineFaults } from '@tarmac/faults'

/**
 * The classes a probe failure falls into, and the codes of misuse, each declared with its fault domain and
 * layer (`@tarmac/faults`) and the phases it can happen in. `classifyError` maps any error onto a class.
 */
export const PROBE_FAULTS = defineFaults('@tarmac/probe', {
  DNS_NOT_FOUND: {
    phases: 'dns',
    domain: 'infrastructure',
    layer: 'dns',
    meaning: 'The name has no address (`ENOTFOUND`, `EAI_NONAME`, `ENODATA`).',
    action:
      'Check the record exists in the resolver the service uses (private zones, VPC DNS); then the host name in the config for a typo.',
  },
  DNS_TIMEOUT: {
    phases: 'dns',
    domain: 'infrastructure',
    layer: 'dns',
    meaning: 'The lookup did not finish within the deadline, or the resolver was unreachable (`EAI_AGAIN`).',
    action:
      'Check the resolver and the path to it; a saturated libuv pool looks the same (`UV_THREADPOOL_SIZE`).',
  },
  TCP_REFUSED: {
    phases: 'tcp, socket',
    domain: 'infrastructure',
    layer: 'tcp',
    meaning: 'Nothing listens on the port, or on the Unix socket (`ECONNREFUSED`, an RST to the SYN).',
    action:
      'Is the server (or proxy, or connector) up and listening on that address and port? For a Tarmac service, a crashed or stopped process looks the same: look at its last recorded exit.',
  },
  TCP_UNREACHABLE: {
    phases: 'tcp',
    domain: 'infrastructure',
    layer: 'tcp',
    meaning: 'No route to the host or network (`EHOSTUNREACH`, `ENETUNREACH`, `EADDRNOTAVAIL`).',
    action: 'Routing, firewall, VPC connector or peering.',
  },
  TCP_TIMEOUT: {
    phases: 'tcp, socket',
    domain: 'infrastructure',
    layer: 'tcp',
    meaning:
      'The SYN went unanswered within the deadline: a black hole, a firewall dropping, a full accept queue, a connector at capacity (or a Unix socket whose listener never accepted).',
    action:
      "Look at the network path and the connector's capacity; compare with `tcp` times of successful probes.",
  },
  TCP_RESET: {
    phases: 'any after tcp',
    domain: 'infrastructure',
    layer: 'tcp',
    meaning:
      'The peer reset or closed the connection mid-exchange (`ECONNRESET`, `EPIPE`, pg\'s "Connection terminated unexpectedly").',
    action:
      'A proxy, load balancer or connector dropping connections, or the server crashing; check their logs around `startedAt`.',
  },
  SOCKET_NOT_FOUND: {
    phases: 'socket',
    domain: 'configuration',
    layer: 'tcp',
    meaning:
      'Nothing at the Unix-socket path (`ENOENT`): on Cloud Run, the Cloud SQL instance is not mounted (`run.googleapis.com/cloudsql-instances`) or the connection name in `host=/cloudsql/…` is misspelt.',
    action:
      "Compare `host=` in the URL with the instance's connection name and the service's mounted instances (`tarmac deploy verify` shows both).",
  },
  TLS_FAILED: {
    phases: 'tls, ssl',
    domain: 'infrastructure',
    layer: 'tls',
    meaning:
      'The handshake failed: certificate not trusted, expired or for another name; protocol mismatch; a plaintext server; Postgres without SSL under `sslmode`.',
    action:
      'Read `error.code` (`CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`…); renew or fix the certificate, or the CA the client trusts.',
  },
  PG_AUTH_FAILED: {
    phases: 'auth',
    domain: 'configuration',
    layer: 'postgres-auth',
    meaning: 'SQLSTATE 28P01 (wrong password) or 28000 (no `pg_hba.conf` entry, role may not log in).',
    action: 'Credentials or `pg_hba.conf`: a configuration problem, not one of the network.',
  },
  PG_TOO_MANY_CONNECTIONS: {
    phases: 'auth',
    domain: 'infrastructure',
    layer: 'postgres-capacity',
    meaning: 'SQLSTATE 53300: every `max_connections` slot is taken.',
    action:
      'Server capacity: count connections per client (`pg_stat_activity`), shrink pools, add a pooler; look for backends left by timed-out clients.',
  },
  PG_STARTING_UP: {
    phases: 'auth',
    domain: 'infrastructure',
    layer: 'postgres-availability',
    meaning: 'SQLSTATE 57P03: the server is starting up, shutting down or in recovery.',
    action:
      'Transient: retry with backoff; if it lasts, look at the database host (failover, crash recovery).',
  },
  PG_DB_NOT_FOUND: {
    phases: 'auth',
    domain: 'configuration',
    layer: 'postgres-auth',
    meaning: 'SQLSTATE 3D000: the database in the URL does not exist.',
    action: 'The database name in the config, or a missing provisioning step.',
  },
  PG_ERROR: {
    phases: 'auth, firstQuery',
    defers: true,
    meaning: 'Any other SQLSTATE (`error.sqlState` tells which).',
    action:
      'Look the SQLSTATE up; class 53 (resources) and 58 (system) point at the server, 42 (privileges, syntax) at the application.',
  },
  HTTP_STATUS: {
    phases: 'ttfb',
    domain: 'application',
    layer: 'application',
    meaning:
      'The server answered with a status outside `expectStatus` (default 2xx/3xx); every phase is still timed and `details.status` is set.',
    action:
      'The application answered, so the path works; read its body (a health+json or `{ code }` body says more) and its logs. A 502/503/504 from a proxy in front of it may still be infrastructure: check who sent it.',
  },
  PROTOCOL_ERROR: {
    phases: 'ttfb, transfer',
    domain: 'configuration',
    layer: 'tcp',
    meaning: 'The peer does not speak the expected protocol (an HTTP parse error: `HPE_*`).',
    action: 'Wrong port, or something else listening there.',
  },
  TIMEOUT: {
    phases: 'tls, ssl, auth, firstQuery, ttfb, transfer',
    domain: 'infrastructure',
    layer: 'tcp',
    meaning:
      "The deadline (or the caller's signal) fired after the connection was made: the peer accepted but did not answer in time.",
    action:
      "A server or proxy that accepts but stalls (overloaded, connector establishing, a backend stuck in startup); compare with the phase's usual time.",
  },
  UNKNOWN: {
    phases: 'any',
    defers: true,
    meaning: 'Anything else; `message` and `code` carry the original.',
    action: 'Read `message`; if it recurs, give it a class here.',
  },
  PROBE_ERR_INVALID_TARGET: {
    phases: '—',
    domain: 'configuration',
    layer: 'application',
    meaning:
      'The host, port or URL cannot be probed (empty host, port outside 1..65535, wrong URL scheme, a Postgres URL with no host and no socket directory, a URL pg rejects).',
    action: 'Fix the target.',
  },
  PROBE_ERR_INVALID_OPTIONS: {
    phases: '—',
    domain: 'application',
    layer: 'application',
    meaning: 'Unknown option keys or bad values; the message lists every problem at once.',
    action: 'Fix the options.',
  },
})

/** The closed list of classes a probe failure falls into (thrown codes of misuse are not among them). */
export const PROBE_ERROR_CLASSES = [
  'DNS_NOT_FOUND',
  'DNS_TIMEOUT',
  'TCP_REFUSED',
  'TCP_UNREACHABLE',
  'TCP_TIMEOUT',
  'TCP_RESET',
  'SOCKET_NOT_FOUND',
  'TLS_FAILED',
  'PG_AUTH_FAILED',
  'PG_TOO_MANY_CONNECTIONS',
  'PG_STARTING_UP',
  'PG_DB_NOT_FOUND',
  'PG_ERROR',
  'HTTP_STATUS',
  'PROTOCOL_ERROR',
  'TIMEOUT',
  'UNKNOWN',
] as const satisfies readonly (keyof typeof PROBE_FAULTS.specs)[]
export type ProbeErrorClass = (typeof PROBE_ERROR_CLASSES)[number]

/** Codes for misuse (thrown, never returned in a result): the caller passed something invalid. */
export const PROBE_USAGE_ERROR_CODES = [
  'PROBE_ERR_INVALID_TARGET',
  'PROBE_ERR_INVALID_OPTIONS',
] as const satisfies readonly (keyof typeof PROBE_FAULTS.specs)[]
export type ProbeUsageErrorCode = (typeof PROBE_USAGE_ERROR_CODES)[number]

export type ProbeErrorCode = ProbeErrorClass | ProbeUsageErrorCode

export interface ProbeErrorOptions {
  cause?: unknown
  /** The phase in progress when it failed (absent for usage errors). */
  phase?: ProbePhase
  /** The server's SQLSTATE, for Postgres errors. */
  sqlState?: string
  /** Phases timed before the failure, the failed one included (its partial duration). */
  phases?: PhaseTimings
}

/** The one error class of this package: a classified failure or a usage error. */
export class ProbeError extends Error {
  override readonly name = 'ProbeError'
  readonly phase: ProbePhase | undefined
  readonly sqlState: string | undefined
  readonly phases: PhaseTimings | undefined

  constructor(
    readonly code: ProbeErrorCode,
    message: string,
    options: ProbeErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.phase = options.phase
    this.sqlState = options.sqlState
    this.phases = options.phases
  }
}

/** True for the classes that mean "a deadline or the caller's signal ended the phase". */
export function isTimeoutClass(errorClass: ProbeErrorClass): boolean {
  return errorClass === 'DNS_TIMEOUT' || errorClass === 'TCP_TIMEOUT' || errorClass === 'TIMEOUT'
}

/** The timeout class for a phase: DNS and TCP have their own, every later phase is plain `TIMEOUT`. */
export function timeoutClassFor(phase: ProbePhase): ProbeErrorClass {
  if (phase === 'dns') return 'DNS_TIMEOUT'
  if (phase === 'tcp' || phase === 'socket') return 'TCP_TIMEOUT'
  return 'TIMEOUT'
}

export function isProbeErrorClass(value: unknown): value is ProbeErrorClass {
  return typeof value === 'string' && (PROBE_ERROR_CLASSES as readonly string[]).includes(value)
}
