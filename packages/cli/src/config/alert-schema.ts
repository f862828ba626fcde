import { Cron } from 'croner'
import { z } from 'zod'

/** The defaults of `tarmac monitor`'s alerting, with units in the names. */
export const ALERT_DEFAULTS = Object.freeze({
  /** At most this many events per target… */
  eventsPerTarget: 4,
  /** …per this long (a flapping target does not page every interval). */
  perMs: 15 * 60_000,
  /**
   * One alert per root cause: target changes within this long of each other are one message of their incident
   * (the opening waits for it, so the other targets of one fault join; each update and the resolution too).
   * Two default intervals: a fault's targets go down within about one interval of each other.
   */
  groupWindowMs: 10_000,
  /** Webhook: attempts in all, the first delay between them (doubled each time), and each attempt's deadline. */
  webhookAttempts: 4,
  webhookBackoffMs: 1_000,
  webhookTimeoutMs: 5_000,
  /** The command is killed (SIGKILL) past this. */
  commandTimeoutMs: 10_000,
})

const isoInstant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone (…Z)' })

const cronPattern = z.string().refine(
  (pattern) => {
    try {
      new Cron(pattern, { paused: true })
      return true
    } catch {
      return false
    }
  },
  { error: 'must be a 5-field cron pattern (minute hour day month weekday), e.g. "0 3 * * 0"' },
)

/**
 * One maintenance window: a one-off `{ start, end }`, or a recurring `{ cron, durationMinutes }` (every match of
 * the cron pattern opens a window that long; `timezone` is an IANA name, UTC by default). `targets` narrows it to
 * some targets or services (a name matches the target id or its service); all of them when absent.
 */
export const maintenanceWindowSchema = z.union([
  z
    .strictObject({
      start: isoInstant,
      end: isoInstant,
      targets: z.array(z.string().min(1)).min(1).optional(),
      reason: z.string().max(200).optional(),
    })
    .refine((w) => Date.parse(w.end) > Date.parse(w.start), {
      error: 'end must be after start',
      path: ['end'],
    }),
  z.strictObject({
    cron: cronPattern,
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
    timezone: z.string().min(1).optional(),
    targets: z.array(z.string().min(1)).min(1).optional(),
    reason: z.string().max(200).optional(),
  }),
])
export type MaintenanceWindow = z.output<typeof maintenanceWindowSchema>

/** Where alerts go and how often; `--alert-webhook` and `--alert-command` override `webhook` and `command`. */
export const alertsSchema = z
  .strictObject({
    webhook: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    command: z.string().min(1).optional(),
    eventsPerTarget: z.number().int().min(1).default(ALERT_DEFAULTS.eventsPerTarget),
    perMs: z.number().int().min(1_000).default(ALERT_DEFAULTS.perMs),
    groupWindowMs: z
      .number()
      .int()
      .min(0)
      .max(15 * 60_000)
      .default(ALERT_DEFAULTS.groupWindowMs),
    webhookAttempts: z.number().int().min(1).max(10).default(ALERT_DEFAULTS.webhookAttempts),
    webhookBackoffMs: z.number().int().min(1).default(ALERT_DEFAULTS.webhookBackoffMs),
    webhookTimeoutMs: z.number().int().min(1).default(ALERT_DEFAULTS.webhookTimeoutMs),
    commandTimeoutMs: z.number().int().min(1).default(ALERT_DEFAULTS.commandTimeoutMs),
  })
  .default({ ...ALERT_DEFAULTS })
export type AlertsConfig = z.output<typeof alertsSchema>
