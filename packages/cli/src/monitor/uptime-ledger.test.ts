import { describe, expect, it } from 'vitest'
import { UptimeLedger } from './uptime-ledger.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const now = Date.parse('2026-12-01T12:00:00Z')

describe('UptimeLedger', () => {
  it('gives the up share over the last hour, day and week, and null where nothing was measured', () => {
    const ledger = new UptimeLedger()
    // Up every minute of the last hour but the last ten; down for ten minutes three hours ago.
    for (let m = 1; m <= 60; m++) ledger.record('t', now - m * 60_000, m <= 10 ? 'down' : 'up')
    for (let m = 0; m < 10; m++) ledger.record('t', now - 3 * HOUR - m * 60_000, 'down')
    const uptimes = ledger.uptimes('t', now)
    expect(uptimes['1h']).toBeCloseTo((100 * 50) / 60)
    expect(uptimes['24h']).toBeCloseTo((100 * 50) / 70)
    expect(uptimes['7d']).toBeCloseTo((100 * 50) / 70)
    expect(ledger.uptimes('other', now)).toEqual({ '1h': null, '24h': null, '7d': null })
  })

  it('folds minutes older than a day into hours, keeps the week, and forgets what is older', () => {
    const ledger = new UptimeLedger()
    for (let m = 0; m < 120; m++) ledger.record('t', now - 3 * DAY - m * 60_000, m < 30 ? 'down' : 'up')
    ledger.record('t', now - 8 * DAY, 'down')
    const before = ledger.uptimePercent('t', now, 7 * DAY)
    ledger.compact(now)
    const buckets = ledger.buckets()
    expect(buckets.every((b) => b.bucketMs === HOUR)).toBe(true)
    expect(buckets.length).toBeLessThanOrEqual(3)
    expect(ledger.uptimePercent('t', now, 7 * DAY)).toBeCloseTo(75)
    expect(before).toBeCloseTo(75) // the 8-day-old result never counted in a 7-day window
    expect(ledger.uptimePercent('t', now, 30 * DAY)).toBeCloseTo(75) // and is gone after compaction
    const restored = new UptimeLedger()
    for (const bucket of buckets) restored.restore(bucket)
    expect(restored.uptimes('t', now)).toEqual(ledger.uptimes('t', now))
  })
})
