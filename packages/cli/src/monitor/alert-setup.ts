import type { TarmacConfig } from '../config/config-schema.js'
import { CliError } from '../errors.js'
import type { AlertEvent } from './alert-event.js'
import { commandSink, webhookSink, type AlertSink, type DeliveryOutcome } from './alert-sinks.js'
import { Alerter } from './alerter.js'
import type { IncidentEvent, IncidentTarget, IncidentVerdict } from './incident.js'
import { MaintenanceCalendar } from './maintenance.js'

/** What the command line says about alerts (each overrides `alerts:` in tarmac.yaml). */
export interface AlertFlags {
  readonly webhook?: string | undefined
  readonly command?: string | undefined
  /** `N/DURATION`: at most N events per target per duration (`4/15m`, `10/1h`, `2/30s`). */
  readonly limit?: string | undefined
}

/**
 * The alerter a config and the flags ask for, or undefined when nothing is configured to receive alerts (the
 * maintenance windows are then moot). Target events go to `onEvent`, incident messages to `onIncident`,
 * delivery outcomes to `onDelivery`; `verdict` judges the monitor's evidence (`Monitor.incidentVerdict`).
 */
export function alerterFor(
  config: TarmacConfig,
  flags: AlertFlags,
  env: NodeJS.ProcessEnv,
  hooks: {
    verdict: (targets: readonly IncidentTarget[]) => IncidentVerdict
    onEvent: (event: AlertEvent) => void
    onIncident?: (event: IncidentEvent) => void
    onDelivery: (event: IncidentEvent, outcome: DeliveryOutcome) => void
  },
): Alerter | undefined {
  const alerts = config.alerts
  const webhook = flags.webhook ?? alerts.webhook
  const command = flags.command ?? alerts.command
  if (webhook !== undefined && !/^https?:\/\/[^/]/.test(webhook))
    throw new CliError('CLI_ERR_USAGE', '--alert-webhook must be an http:// or https:// URL')
  if (command !== undefined && command.trim() === '')
    throw new CliError('CLI_ERR_USAGE', '--alert-command must not be empty')
  const [eventsPerTarget, perMs] =
    flags.limit === undefined ? [alerts.eventsPerTarget, alerts.perMs] : parseLimit(flags.limit)
  const sinks: AlertSink[] = []
  if (webhook !== undefined)
    sinks.push(
      webhookSink(webhook, {
        attempts: alerts.webhookAttempts,
        backoffMs: alerts.webhookBackoffMs,
        timeoutMs: alerts.webhookTimeoutMs,
      }),
    )
  if (command !== undefined) sinks.push(commandSink(command, { timeoutMs: alerts.commandTimeoutMs, env }))
  if (sinks.length === 0) return undefined
  return new Alerter({
    sinks,
    maintenance: new MaintenanceCalendar(config.maintenance),
    eventsPerTarget,
    perMs,
    groupWindowMs: alerts.groupWindowMs,
    ...hooks,
  })
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `4/15m` → [4, 900000]. */
export function parseLimit(text: string): [number, number] {
  const match = /^(\d+)\/(\d+)(ms|s|m|h|d)$/.exec(text)
  const events = Number(match?.[1])
  const perMs = Number(match?.[2]) * (UNIT_MS[match?.[3] ?? ''] ?? 0)
  if (!match || events < 1 || perMs < 1_000)
    throw new CliError(
      'CLI_ERR_USAGE',
      `--alert-limit must be N/DURATION (N ≥ 1, duration ≥ 1s, e.g. 4/15m), got "${text}"`,
    )
  return [events, perMs]
}
