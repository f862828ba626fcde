/**
 * Cloud Run's limits that a plan must respect, as Google documents them ("Configure container health checks
 * (services)" and "Container runtime contract", cloud.google.com/run/docs). docs/deploy.md repeats them with
 * their source; change them here and there together.
 */
export const CLOUD_RUN_LIMITS = Object.freeze({
  /** A startup probe must succeed within failureThreshold × periodSeconds ≤ 240 s (initialDelaySeconds aside). */
  startupProbeWindowMs: 240_000,
  /** Startup probe periodSeconds: 1–240; timeoutSeconds ≤ periodSeconds. */
  startupProbePeriodSecondsMax: 240,
  /** Liveness probe periodSeconds: 1–3600. */
  livenessProbePeriodSecondsMax: 3_600,
  /** After SIGTERM an instance has 10 s before SIGKILL; routing to it has stopped already. */
  shutdownGraceMs: 10_000,
  /** containerConcurrency: 1–1000 requests (a WebSocket is a request for its whole life). */
  concurrencyMax: 1_000,
  /** Request timeout, which also bounds a WebSocket's life: up to 3600 s. */
  requestTimeoutSecondsMax: 3_600,
})

/**
 * Kubernetes has no cap on the startup window; `renderKubernetesProbes` probes every 5 s. The grace period is
 * rendered from drain + stop budget + margin, so a Kubernetes plan cannot overrun it.
 */
export const KUBERNETES_PROBE_PERIOD_SECONDS = 5

/**
 * What Cloud Run applies to a revision that leaves a setting out (same documentation, and "About maximum
 * instances"): `deploy verify` reads an unset value as these.
 */
export const CLOUD_RUN_DEFAULTS = Object.freeze({
  maxInstances: 100,
  minInstances: 0,
  concurrency: 80,
  /** Without a startup probe: TCP, passing as soon as the port listens, for up to 240 s. */
  startupProbeWindowMs: 240_000,
})
