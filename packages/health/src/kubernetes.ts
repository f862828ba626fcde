import { HealthError } from './errors.js'
import { optionFields, parseHealthOptions } from './options.js'
import { z } from 'zod'

export interface KubernetesProbeOptions {
  /** The startup engine's deadline (`STARTUP_DEADLINE_MS`). Default 120 000. */
  readonly startupDeadlineMs?: number
  /** Pause between readiness failing and the first component stopping. Default 5 000. */
  readonly drainDelayMs?: number
  /** What stopping every component may take (the sum of their `stopTimeoutMs` at worst). Default 10 000. */
  readonly stopBudgetMs?: number
  /** Added to the startup window and the grace period. Default 10 000. */
  readonly marginMs?: number
  /** The container port, by number or name. Default `http`. */
  readonly port?: number | string
  /** Per-request probe timeout. Default 2 000. */
  readonly probeTimeoutMs?: number
}

export interface HttpProbe {
  httpGet: { path: string; port: number | string }
  periodSeconds: number
  timeoutSeconds: number
  failureThreshold: number
  successThreshold: number
}

export interface KubernetesProbes {
  startupProbe: HttpProbe
  readinessProbe: HttpProbe
  livenessProbe: HttpProbe
  terminationGracePeriodSeconds: number
  /** Inconsistencies worth a log line (a drain delay too short for readiness to be noticed…). */
  warnings: string[]
}

/** The settings `renderKubernetesProbes` assumes when not told, units in the names. */
export const KUBERNETES_PROBE_DEFAULTS = Object.freeze({
  startupDeadlineMs: 120_000,
  drainDelayMs: 5_000,
  stopBudgetMs: 10_000,
  marginMs: 10_000,
  probeTimeoutMs: 2_000,
})

const { msAtLeast } = optionFields

export const KUBERNETES_PROBE_OPTIONS_SCHEMA = z.strictObject({
  startupDeadlineMs: msAtLeast(1).optional(),
  drainDelayMs: msAtLeast(0).optional(),
  stopBudgetMs: msAtLeast(0).optional(),
  marginMs: msAtLeast(0).optional(),
  port: z
    .union([z.number().int().min(1).max(65535), z.string().min(1)], 'must be a port number or name')
    .optional(),
  probeTimeoutMs: msAtLeast(1).optional(),
} satisfies Record<keyof KubernetesProbeOptions, z.ZodType>)

/**
 * Probe settings consistent with the startup deadline and the drain delay: the startup probe allows
 * `failureThreshold × periodSeconds ≥ deadline + margin`; readiness is noticed within the drain delay; the grace
 * period covers drain + stop budget + margin. Liveness only starts once the startup probe passes.
 * @example
 * const { startupProbe, readinessProbe, livenessProbe, terminationGracePeriodSeconds } =
 *   renderKubernetesProbes({ startupDeadlineMs: 120_000, drainDelayMs: 5_000 })
 */
export function renderKubernetesProbes(options: KubernetesProbeOptions = {}): KubernetesProbes {
  const o = parseHealthOptions(KUBERNETES_PROBE_OPTIONS_SCHEMA, options, 'Kubernetes probe options')
  const deadlineMs = o.startupDeadlineMs ?? KUBERNETES_PROBE_DEFAULTS.startupDeadlineMs
  const drainDelayMs = o.drainDelayMs ?? KUBERNETES_PROBE_DEFAULTS.drainDelayMs
  const stopBudgetMs = o.stopBudgetMs ?? KUBERNETES_PROBE_DEFAULTS.stopBudgetMs
  const marginMs = o.marginMs ?? KUBERNETES_PROBE_DEFAULTS.marginMs
  const probeTimeoutMs = o.probeTimeoutMs ?? KUBERNETES_PROBE_DEFAULTS.probeTimeoutMs
  const timeoutSeconds = Math.max(1, Math.ceil(probeTimeoutMs / 1000))
  const port = options.port ?? 'http'
  const probe = (path: string, periodSeconds: number, failureThreshold: number): HttpProbe => ({
    httpGet: { path, port },
    periodSeconds,
    timeoutSeconds: Math.min(timeoutSeconds, periodSeconds),
    failureThreshold,
    successThreshold: 1,
  })
  const startupPeriodSeconds = 5
  const readinessPeriodSeconds = Math.max(1, Math.min(5, Math.floor(drainDelayMs / 1000)))
  const warnings: string[] = []
  if (drainDelayMs < readinessPeriodSeconds * 1000)
    warnings.push(
      `drainDelayMs ${drainDelayMs} is shorter than one readiness period (${readinessPeriodSeconds} s): ` +
        'traffic may still arrive after components stop',
    )
  return {
    startupProbe: probe(
      '/health/startup',
      startupPeriodSeconds,
      Math.ceil((deadlineMs + marginMs) / (startupPeriodSeconds * 1000)),
    ),
    readinessProbe: probe('/health/ready', readinessPeriodSeconds, 1),
    livenessProbe: probe('/health/live', 10, 3),
    terminationGracePeriodSeconds: Math.ceil((drainDelayMs + stopBudgetMs + marginMs) / 1000),
    warnings,
  }
}

/**
 * The warning a service logs at startup when the platform's startup window (`PLATFORM_STARTUP_WINDOW_MS`, e.g.
 * Cloud Run's or a startup probe's) is shorter than its startup deadline: the platform would kill the instance
 * before it could say why it failed. undefined when no window is configured or it is long enough.
 */
export function checkPlatformStartupWindow(options: {
  platformStartupWindowMs: number | string | undefined
  startupDeadlineMs: number
}): string | undefined {
  const raw = options.platformStartupWindowMs
  if (raw === undefined || raw === '') return undefined
  const windowMs = typeof raw === 'number' ? raw : Number(raw)
  if (!Number.isFinite(windowMs) || windowMs <= 0)
    throw new HealthError(
      'HEALTH_ERR_INVALID_OPTIONS',
      `PLATFORM_STARTUP_WINDOW_MS must be a positive number of ms, got ${JSON.stringify(raw)}`,
    )
  if (windowMs >= options.startupDeadlineMs) return undefined
  return (
    `platform startup window ${windowMs} ms is shorter than the startup deadline ${options.startupDeadlineMs} ms: ` +
    'the platform will kill the instance before startup can report why it failed; lower STARTUP_DEADLINE_MS or raise the window'
  )
}
