/** What a probe checks: one name per probe function. */
export const PROBE_KINDS = ['dns', 'tcp', 'tls', 'http', 'postgres'] as const
export type ProbeKind = (typeof PROBE_KINDS)[number]

/**
 * Every phase a probe can time, in the order they happen on the wire.
 * `socket` replaces `dns` and `tcp` for a Postgres host that is a Unix-socket directory (Cloud Run's
 * `/cloudsql/PROJECT:REGION:INSTANCE`): connecting the local socket file, with no lookup and no TCP handshake.
 * `tls` is a TLS handshake right after TCP connect (probeTls, https); `ssl` is Postgres' SSLRequest
 * negotiation plus the handshake that follows it; `auth` is the Postgres startup message until the
 * server is ready for queries; `ttfb` is request sent → response headers; `transfer` is the body read.
 */
export const PROBE_PHASES = [
  'dns',
  'tcp',
  'socket',
  'tls',
  'ssl',
  'auth',
  'firstQuery',
  'ttfb',
  'transfer',
] as const
export type ProbePhase = (typeof PROBE_PHASES)[number]

/** Phase durations in milliseconds (rounded to 0.1 ms); a phase that did not run is absent. */
export type PhaseTimings = Partial<Record<ProbePhase, number>>
