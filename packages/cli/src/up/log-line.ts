import type { Colour, Paint } from '../style.js'

/** pino's numeric levels. */
export const LOG_LEVELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
}
const LEVEL_COLOUR: Readonly<Record<string, Colour>> = {
  TRACE: 'gray',
  DEBUG: 'gray',
  INFO: 'green',
  WARN: 'yellow',
  ERROR: 'red',
  FATAL: 'red',
}

/** Keys that are the line's frame, not its content: never repeated after the message. */
const FRAME_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'name', 'v'])

/**
 * One child output line, brief: a pino JSON line becomes `HH:MM:SS.mmm LEVEL msg key=value…` (the first few
 * extra keys, an error's message); anything else is passed through.
 */
export function formatLogLine(line: string, paint: Paint): string {
  if (!line.startsWith('{')) return line
  let record: Record<string, unknown>
  try {
    record = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const level = LOG_LEVELS[Number(record.level)] ?? text(record.level)
  const time =
    typeof record.time === 'number' || typeof record.time === 'string' ? new Date(record.time) : new Date()
  const clock = Number.isNaN(time.getTime()) ? '' : time.toISOString().slice(11, 23)
  const extras: string[] = []
  for (const [key, value] of Object.entries(record)) {
    if (FRAME_KEYS.has(key) || SKIPPED_KEYS.has(key) || extras.length >= 5) continue
    extras.push(...brief(key, value))
  }
  const msg = typeof record.msg === 'string' ? record.msg : ''
  return `${paint('dim', clock)} ${paint(LEVEL_COLOUR[level] ?? 'gray', level.padEnd(5))} ${msg}${extras.length > 0 ? ` ${paint('gray', extras.join(' '))}` : ''}`
}

/** Bulky keys that the brief line leaves out (the full line is in the service's own log). */
const SKIPPED_KEYS = new Set(['report', 'startupReport', 'reqId'])

/** A key and its value, briefly: an engine event as its phase/component/duration, a request as `GET /path`. */
function brief(key: string, value: unknown): string[] {
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>
    if (key === 'err') return [`err=${o.code ? `${text(o.code)}: ` : ''}${text(o.message)}`]
    if (key === 'event') {
      return ['phase', 'component', 'attempt', 'durationMs', 'delayMs', 'code', 'message']
        .filter((k) => o[k] !== undefined && o[k] !== null)
        .map((k) => `${k}=${text(o[k])}`)
    }
    if (key === 'req') return [`${text(o.method)} ${text(o.url)}`]
    if (key === 'res') return [`→ ${text(o.statusCode)}`]
  }
  if (key === 'responseTime' && typeof value === 'number') return [`${value.toFixed(1)} ms`]
  const shown = text(value)
  return [`${key}=${shown.length > 80 ? `${shown.slice(0, 79)}…` : shown}`]
}

/** A value as text: strings as they are, anything else as JSON, nothing as ''. */
function text(value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * Drops the request logs of health probes (`tarmac up` polls /health/startup several times a second):
 * a pino line whose `req.url` starts with `/health/`, and the `request completed` line with the same `reqId`.
 */
export function healthRequestFilter(): (line: string) => boolean {
  const dropped = new Set<string>()
  return (line) => {
    if (!line.startsWith('{') || !line.includes('reqId')) return true
    let record: { reqId?: string; req?: { url?: string }; level?: number }
    try {
      record = JSON.parse(line) as typeof record
    } catch {
      return true
    }
    if ((record.level ?? 30) > 30 || record.reqId === undefined) return true
    if (record.req?.url?.startsWith('/health/')) {
      dropped.add(record.reqId)
      if (dropped.size > 1_000) dropped.delete(dropped.values().next().value!)
      return false
    }
    return !dropped.delete(record.reqId)
  }
}

/** Splits a stream into lines and hands each complete one on; the rest is flushed at the end. */
export function lineSplitter(onLine: (line: string) => void): {
  push(chunk: Buffer | string): void
  flush(): void
} {
  let rest = ''
  return {
    push(chunk) {
      const lines = (rest + chunk.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.trim() !== '') onLine(line.replace(/\r$/, ''))
    },
    flush() {
      if (rest.trim() !== '') onLine(rest)
      rest = ''
    },
  }
}
