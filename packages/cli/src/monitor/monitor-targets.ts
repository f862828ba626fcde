import { healthPath, websocketUrl, type HealthEndpoint, type TarmacConfig } from '../config/config-schema.js'
import type { ScheduledTarget } from './scheduler.js'
import { TokenSource } from './token-source.js'

/** The kinds of target the monitor checks. */
export const TARGET_KINDS = ['health', 'websocket', 'http', 'tcp', 'postgres', 'tls'] as const
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
  /** A WebSocket check's access tokens: one throwaway user at the service's auth service, one login per lifetime. */
  readonly tokens?: TokenSource
  /** A `tls` target: the certificate's name, its warning threshold, and whether the chain must verify. */
  readonly tls?: { readonly servername?: string; readonly minDaysLeft: number; readonly verify: boolean }
}

/**
 * Every target of a config: each service's health endpoints (`live`, `ready`, `startup`, `infrastructure` by
 * default), a WebSocket connect-and-authenticate check for each service with an `authService`, then each
 * dependency, then each certificate (`name certificate`, a `tls` target).
 */
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
    const auth = service.authService === undefined ? undefined : config.services[service.authService]
    if (config.monitor.websocket && auth) {
      targets.push({
        id: `${name} websocket`,
        group: name,
        kind: 'websocket',
        url: websocketUrl(service),
        intervalMs,
        timeoutMs,
        tokens: new TokenSource(auth.url),
      })
    }
  }
  for (const [name, dependency] of Object.entries(config.dependencies)) {
    const base = { id: name, group: name, intervalMs, timeoutMs }
    if (dependency.type === 'tcp')
      targets.push({ ...base, kind: 'tcp', host: dependency.host, port: dependency.port })
    else targets.push({ ...base, kind: dependency.type, url: dependency.url })
  }
  for (const [name, certificate] of Object.entries(config.certificates)) {
    targets.push({
      id: `${name} certificate`,
      group: name,
      kind: 'tls',
      host: certificate.host,
      port: certificate.port,
      intervalMs,
      timeoutMs,
      tls: {
        ...(certificate.servername !== undefined && { servername: certificate.servername }),
        minDaysLeft: certificate.minDaysLeft,
        verify: certificate.verify,
      },
    })
  }
  return targets
}
