import { checkFleet, type FleetCheck } from '../fleet-checks.js'
import type { FleetConfig, FleetServiceConfig, Platform } from '../fleet-schema.js'
import { CLOUD_RUN_DEFAULTS } from '../platform-limits.js'
import type { RunSettings } from './run-settings.js'

/** What the services fall back to when a variable is unset (their own defaults, DESIGN.md's budgets). */
const SERVICE_DEFAULTS = { startupDeadlineMs: 120_000, connectTimeoutMs: 30_000, poolMax: 10 } as const

const int = (value: string | undefined) =>
  value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined

/**
 * A planned service as it runs: the plan's entry with every value the platform reported in its place — the
 * instances (on Cloud Run the sum over the revisions serving traffic: each scales to its own maximum), the
 * pool, the pooler route, the deadline, the connect timeout, the startup probe's window, the concurrency.
 */
export function liveService(
  planned: FleetServiceConfig,
  revisions: readonly RunSettings[],
  platform: Platform,
): FleetServiceConfig {
  const cloudRun = platform === 'cloud-run'
  const first = revisions[0]!
  const pooler = first.env.DB_POOLER
  const window =
    first.startupProbe.kind === 'none'
      ? cloudRun
        ? CLOUD_RUN_DEFAULTS.startupProbeWindowMs
        : undefined
      : (first.startupProbe.windowMs ?? undefined)
  const most = (pick: (s: RunSettings) => number | null | undefined, fallback: number) =>
    Math.max(...revisions.map((s) => pick(s) ?? fallback))
  return {
    ...planned,
    maxInstances: revisions.reduce(
      (sum, s) =>
        sum + (s.maxInstances ?? (cloudRun ? CLOUD_RUN_DEFAULTS.maxInstances : planned.maxInstances)),
      0,
    ),
    minInstances: first.minInstances ?? (cloudRun ? CLOUD_RUN_DEFAULTS.minInstances : planned.minInstances),
    surgeInstances: first.surgeInstances ?? planned.surgeInstances,
    poolMax: most((s) => int(s.env.DB_POOL_MAX), SERVICE_DEFAULTS.poolMax),
    database:
      planned.database === 'none'
        ? 'none'
        : pooler === 'transaction'
          ? 'pooler'
          : pooler === 'none'
            ? 'direct'
            : planned.database,
    startupDeadlineMs: int(first.env.STARTUP_DEADLINE_MS) ?? SERVICE_DEFAULTS.startupDeadlineMs,
    connectTimeoutMs: int(first.env.DB_CONNECT_TIMEOUT_MS) ?? SERVICE_DEFAULTS.connectTimeoutMs,
    ...(window !== undefined && { startupProbeWindowMs: window }),
    concurrency: first.concurrency ?? (cloudRun ? CLOUD_RUN_DEFAULTS.concurrency : planned.concurrency),
  }
}

/** `tarmac deploy check`'s own checks, run on live numbers: by check name (`backend connect attempts`…). */
export function liveChecks(fleet: FleetConfig, platform?: Platform): Map<string, FleetCheck> {
  const checks = checkFleet({ ...fleet, platforms: platform ? [platform] : fleet.platforms })
  return new Map(checks.map((check) => [check.check, check]))
}
