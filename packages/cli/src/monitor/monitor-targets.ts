import { healthPath, type HealthEndpoint, type TarmacConfig } from '../config/config-schema.js'
import type { ScheduledTarget } from './scheduler.js'

/** The kinds of target the monitor checks. */
export const TARGET_KINDS = ['health', 'http', 'tcp', 'postgres'] as const
export type TargetKind = (typeof TARGET_KINDS)[number]

/** One thing to check on an interval: a service's health endpoint or a dependency. */
export interface MonitorTarget extends ScheduledTarget {
  /** `service endpoint` or the dependency's name; unique. */
  readonly id: string
  /** The service or dependency it belongs to (the startup phase is shown per service). */
  readonly group: string
  readonly kind: TargetKind
  readonly url?: string
  readonly host?: string
  readonly port?: number
  readonly endpoint?: HealthEndpoint
  /** The health token, read from the service's `tokenEnv` (never printed). */
  readonly token?: string
}

/** Every target of a config: each service's configured health endpoints, then each dependency. */
export function targetsOf(config: TarmacConfig, env: NodeJS.ProcessEnv = process.env): MonitorTarget[] {
  const { intervalMs, timeoutMs, endpoints } = config.monitor
  const targets: MonitorTarget[] = []
  for (const [name, service] of Object.entries(config.services)) {
    const token = service.tokenEnv !== undefined ? env[service.tokenEnv] : undefined
    for (const endpoint of endpoints) {
      targets.push({
        id: `${name} ${endpoint}`,
        group: name,
        kind: 'health',
        endpoint,
        url: new URL(healthPath(service, endpoint), service.url).toString(),
        intervalMs,
        timeoutMs,
        ...(token ? { token } : {}),
      })
    }
  }
  for (const [name, dependency] of Object.entries(config.dependencies)) {
    const base = { id: name, group: name, intervalMs, timeoutMs }
    if (dependency.type === 'tcp')
      targets.push({ ...base, kind: 'tcp', host: dependency.host, port: dependency.port })
    else targets.push({ ...base, kind: dependency.type, url: dependency.url })
  }
  return targets
}
