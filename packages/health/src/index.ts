export { createHealthRegistry } from './registry.js'
export type {
  HealthRegistry,
  HealthRegistryOptions,
  RegistryEvaluation,
  EvaluatedCheck,
  RegistryEvent,
} from './registry.js'
export type { StartupLike } from './contribute.js'
export { HEALTH_STATUSES, componentOf } from './check.js'
export type {
  HealthCheck,
  HealthStatus,
  CheckContext,
  CheckObservation,
  CheckResult,
  CheckDetails,
  PoolFacts,
  CapacityFacts,
} from './check.js'
export { HEALTH_DEFAULTS } from './options.js'
export type { ResolvedCheck } from './options.js'
export { healthPlugin } from './plugin.js'
export type { HealthPluginOptions, HealthDecoration, InServiceProbe } from './plugin.js'
export { HEALTH_MEDIA_TYPE, statusesOnly, worstOf } from './health-document.js'
export type { HealthDocument, HealthCheckEntry, ServiceIdentity } from './health-document.js'
export { liveProbe, readyProbe, infrastructureProbe } from './probes.js'
export type { ProbeContext, ProbeResponse } from './probes.js'
export { startupProbe } from './startup-probe.js'
export { createEventLoopMonitor } from './event-loop.js'
export type { EventLoopMonitor } from './event-loop.js'
export { createDetailsGate, hostNameOf, isLoopbackAddress, isLoopbackHost } from './details-gate.js'
export type { DetailsGateOptions, GateRequest } from './details-gate.js'
export { createHealthMetrics } from './metrics.js'
export type { HealthMetrics, HealthMetricsOptions } from './metrics.js'
export { createPostgresChecks, POSTGRES_CHECK_DEFAULTS } from './postgres-checks.js'
export type { PostgresChecksOptions, PostgresHandleLike, PostgresConnectLike } from './postgres-checks.js'
export { renderKubernetesProbes, checkPlatformStartupWindow } from './kubernetes.js'
export type { KubernetesProbeOptions, KubernetesProbes, HttpProbe } from './kubernetes.js'
export { HealthError, HEALTH_ERROR_CODES, HEALTH_FAULTS } from './errors.js'
export type { HealthErrorCode } from './errors.js'
