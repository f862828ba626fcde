import type { Paint } from '../style.js'
import { renderTable } from '../style.js'
import type { TargetStatus } from './check-result.js'
import type { MonitorSnapshot } from './monitor.js'

const STATUS_COLOUR = { up: 'green', down: 'red', starting: 'yellow', unknown: 'gray' } as const

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
    const error = s.lastError
    const errorText = error ? `${error.errorClass ?? ''}${error.message ? `: ${error.message}` : ''}` : ''
    return [
      s.target,
      paint(STATUS_COLOUR[s.status], s.status),
      ms(s.p50Ms),
      ms(s.p95Ms),
      s.uptimePercent === null ? '–' : `${s.uptimePercent.toFixed(1)}%`,
      `${s.windowFailures}`,
      phaseOf.get(groupOf(s.target)) ?? '',
      error?.faultDomain
        ? `${error.faultDomain}${error.faultLayer && error.faultLayer !== 'unknown' ? `/${error.faultLayer}` : ''}`
        : '',
      truncate(errorText, Math.max(20, widthColumns - 110)),
    ]
  })
  const table = renderTable(
    ['TARGET', 'STATUS', 'P50', 'P95', 'UPTIME', 'FAILS', 'STARTUP', 'FAULT', 'LAST ERROR'],
    rows,
  )
  const { scheduler } = snapshot
  const counts = countStatuses(snapshot)
  const footer = paint(
    'dim',
    `${snapshot.at}  ${counts}  scheduler lag p99 ${scheduler.lagP99Ms.toFixed(1)} ms, missed ${scheduler.missedDeadlines}, untrusted ${scheduler.untrusted}`,
  )
  return `${table}\n${footer}\n`
}

function countStatuses(snapshot: MonitorSnapshot): string {
  const counts: Partial<Record<TargetStatus, number>> = {}
  for (const s of snapshot.targets) counts[s.status] = (counts[s.status] ?? 0) + 1
  return Object.entries(counts)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ')
}

const groupOf = (target: string) => target.split(' ')[0]!
const ms = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)} ms`)
const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`)
