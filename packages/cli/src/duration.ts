import { CliError } from './errors.js'

const UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const

/**
 * A duration option: `500ms`, `60s`, `15m`, `4h`, or combined (`1h30m`); a bare number is milliseconds.
 * Anything else is a usage error naming the option.
 * @example parseDuration('4h', 'timeout') // 14_400_000
 */
export function parseDuration(text: string, option: string): number {
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed)
    throw new CliError(
      'CLI_ERR_USAGE',
      `--${option} takes a duration like 500ms, 60s, 15m, 4h or 1h30m; got "${text}"`,
    )
  return Math.round(
    parts.reduce((sum, [, value, unit]) => sum + Number(value) * UNITS_MS[unit as keyof typeof UNITS_MS], 0),
  )
}

/** A duration for people: `850 ms`, `8 s`, `2 min 5 s`, `3 h 59 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`
  const s = Math.round(ms / 1_000)
  if (s < 60) return `${s} s`
  if (s < 3_600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`
  const min = Math.round(s / 60)
  return min % 60 === 0 ? `${min / 60} h` : `${Math.floor(min / 60)} h ${min % 60} min`
}
