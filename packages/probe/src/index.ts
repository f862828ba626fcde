export { PROBE_KINDS, PROBE_PHASES } from './phases.js'
export type { ProbeKind, ProbePhase, PhaseTimings } from './phases.js'
export {
  PROBE_FAULTS,
  PROBE_ERROR_CLASSES,
  PROBE_USAGE_ERROR_CODES,
  ProbeError,
  isProbeErrorClass,
  isTimeoutClass,
} from './errors.js'
export type { ProbeErrorClass, ProbeErrorCode, ProbeUsageErrorCode, ProbeErrorOptions } from './errors.js'
export { classifyError } from './classify-error.js'
export type { ProbeFailure } from './classify-error.js'
export { PROBE_DEFAULTS } from './options.js'
export type { ProbeOptions } from './options.js'
export type { ProbeResult, ProbeDetails } from './probe-result.js'
export { redactUrl } from './redact.js'
export { probeDns } from './dns-probe.js'
export { probeTcp } from './tcp-probe.js'
export type { TcpTarget } from './tcp-probe.js'
export { probeTls } from './tls-probe.js'
export type { TlsTarget } from './tls-probe.js'
export { createHttpProbe, probeHttp } from './http-probe.js'
export type { HttpProbe, HttpProbeOptions } from './http-probe.js'
export { connectPostgres, connectPostgresClient, POSTGRES_TRANSPORTS } from './postgres-connect.js'
export type {
  PostgresTransport,
  PostgresConnectOptions,
  PostgresConnectTimings,
  PostgresConnection,
} from './postgres-connect.js'
export { probePostgres } from './postgres-probe.js'
