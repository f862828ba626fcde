import type { Paint } from '../style.js'
import { renderTable } from '../style.js'
import type { TargetCondition } from './check-result.js'
import { conditionOf } from './target-window.js'
import type { MonitorSnapshot } from './monitor.js'

const STATUS_COLOUR = {
  up: 'green',
  degraded: 'yellow',
  down: 'red',
  starting: 'yellow',
  unknown: 'gray',
} as const

/** The monitor's table: one row per target, then a line about the monitor itself. */
export function renderSnapshot(snapshot: MonitorSnapshot, paint: Paint, widthColumns = 160): string {
  const phaseOf = new Map<string, string>()
  for (const summary of snapshot.targets) {
    const last = summary.last
    if (last?.startupPhase !== undefined || last?.startupState !== undefined) {
      phaseOf.set(
        groupOf(summary.target),
        `${last.startupState ?? ''}${last.startupPhase ? ` · ${last.startupPhase}` : ''}`,
      )
    }
  }
  const rows = snapshot.targets.map((s) => {
    const condition = conditionOf(s)
    // A degraded target's warning is its last result (a certificate expiring), not an older failure.
    const error = condition === 'degraded' && s.last?.errorClass !== undefined ? s.last : s.lastError
    const errorText = error ? `${error.errorClass ?? ''}${error.message ? `: ${error.message}` : ''}` : ''
    return [
      s.target,
      paint(STATUS_COLOUR[condition], condition),
      ms(s.p50Ms),
      ms(s.p95Ms),
      percent(s.uptime['1h']),
      percent(s.uptime['24h']),
      percent(s.uptime['7d']),
      `${s.windowFailures}`,
      sinceText(s.since, snapshot.at),
      phaseOf.get(groupOf(s.target)) ?? '',
      error?.faultDomain
        ? `${error.faultDomain}${error.faultLayer && error.faultLayer !== 'unknown' ? `/${error.faultLayer}` : ''}`
        : '',
      truncate(errorText, Math.max(20, widthColumns - 140)),
    ]
  })
  const table = renderTable(
    [
      'TARGET',
      'STATUS',
      'P50',
      'P95',
      'UP 1H',
      '24H',
      '7D',
      'FAILS',
      'SINCE',
      'STARTUP',
      'FAULT',
      'LAST ERROR',
    ],
    rows,
  )
  const { scheduler } = snapshot
  const counts = countStatuses(snapshot)
  const footer = paint(
    'dim',
    `${snapshot.at}  ${counts}  scheduler lag p99 ${scheduler.lagP99Ms.toFixed(1)} ms, missed ${scheduler.missedDeadlines}, untrusted ${scheduler.untrusted}${alertsText(snapshot)}`,
  )
  return `${table}\n${footer}\n`
}

function countStatuses(snapshot: MonitorSnapshot): string {
  const counts: Partial<Record<TargetCondition, number>> = {}
  for (const s of snapshot.targets) counts[conditionOf(s)] = (counts[conditionOf(s)] ?? 0) + 1
  return Object.entries(counts)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ')
}

const groupOf = (target: string) => target.split(' ')[0]!
const ms = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)} ms`)
const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`)
const percent = (value: number | null) => (value === null ? '–' : `${value.toFixed(value === 100 ? 0 : 1)}%`)

/** `22:43:01 (12m)`: the UTC time the target entered its condition, and for how long. */
function sinceText(since: string | null, nowIso: string): string {
  if (since === null) return ''
  const forMs = Math.max(0, Date.parse(nowIso) - Date.parse(since))
  const sameDay = since.slice(0, 10) === nowIso.slice(0, 10)
  const clock = sameDay ? since.slice(11, 19) : `${since.slice(5, 10)} ${since.slice(11, 16)}`
  return `${clock} (${durationText(forMs)})`
}

/** `45s`, `12m`, `3h 4m`, `2d 1h`. */
export function durationText(ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h ${m % 60}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

function alertsText({ alerts }: MonitorSnapshot): string {
  if (alerts.recorded === 0) return ''
  return `; alerts ${alerts.sent} sent of ${alerts.recorded}${alerts.failed > 0 ? `, ${alerts.failed} deliveries failed` : ''}`
}
