import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from './duration.js'

describe('parseDuration', () => {
  it('reads units, combinations and bare milliseconds', () => {
    expect(parseDuration('4h', 'timeout')).toBe(14_400_000)
    expect(parseDuration('60s', 'interval')).toBe(60_000)
    expect(parseDuration('15m', 'timeout')).toBe(900_000)
    expect(parseDuration('500ms', 'interval')).toBe(500)
    expect(parseDuration('1h30m', 'timeout')).toBe(5_400_000)
    expect(parseDuration('1.5s', 'interval')).toBe(1_500)
    expect(parseDuration('250', 'interval')).toBe(250)
  })

  it('rejects anything else as a usage error naming the option', () => {
    for (const bad of ['', 'soon', '4 hours', '-1s', '10x', 's', '4h!'])
      expect(() => parseDuration(bad, 'timeout')).toThrow(expect.objectContaining({ code: 'CLI_ERR_USAGE' }))
    expect(() => parseDuration('soon', 'timeout')).toThrow(/--timeout/)
  })
})

describe('formatDuration', () => {
  it('says a duration in the largest units that read well', () => {
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(8_000)).toBe('8 s')
    expect(formatDuration(125_000)).toBe('2 min 5 s')
    expect(formatDuration(120_000)).toBe('2 min')
    expect(formatDuration(14_340_000)).toBe('3 h 59 min')
    expect(formatDuration(14_400_000)).toBe('4 h')
  })
})
