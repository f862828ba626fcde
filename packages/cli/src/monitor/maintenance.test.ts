import { describe, expect, it } from 'vitest'
import { MaintenanceCalendar } from './maintenance.js'

describe('MaintenanceCalendar', () => {
  it('silences a one-off window (end excluded), for the targets or services it names', () => {
    const calendar = new MaintenanceCalendar([
      { start: '2026-12-01T10:00:00Z', end: '2026-12-01T11:00:00Z', targets: ['backend'], reason: 'upgrade' },
    ])
    const at = (iso: string) => Date.parse(iso)
    expect(calendar.activeFor('backend ready', 'backend', at('2026-12-01T10:30:00Z'))).toEqual({
      reason: 'upgrade',
      startedAt: '2026-12-01T10:00:00.000Z',
      endsAt: '2026-12-01T11:00:00.000Z',
    })
    expect(calendar.activeFor('auth ready', 'auth', at('2026-12-01T10:30:00Z'))).toBeNull()
    expect(calendar.activeFor('backend ready', 'backend', at('2026-12-01T11:00:00Z'))).toBeNull()
    expect(calendar.activeFor('backend ready', 'backend', at('2026-12-01T09:59:59Z'))).toBeNull()
  })

  it('opens a recurring window at every match of its cron pattern, in its time zone', () => {
    // Sundays 03:00–04:30 in Berlin (UTC+1 in December): 02:00–03:30 UTC.
    const calendar = new MaintenanceCalendar([
      { cron: '0 3 * * 0', durationMinutes: 90, timezone: 'Europe/Berlin', targets: ['postgres'] },
    ])
    const sunday = (time: string) => Date.parse(`2026-12-06T${time}Z`)
    expect(calendar.activeFor('postgres', 'postgres', sunday('01:59:00'))).toBeNull()
    expect(calendar.activeFor('postgres', 'postgres', sunday('02:00:30'))).toMatchObject({
      startedAt: '2026-12-06T02:00:00.000Z',
      endsAt: '2026-12-06T03:30:00.000Z',
    })
    expect(calendar.activeFor('postgres', 'postgres', sunday('03:29:00'))).not.toBeNull()
    expect(calendar.activeFor('postgres', 'postgres', sunday('03:31:00'))).toBeNull()
    expect(calendar.activeFor('postgres', 'postgres', Date.parse('2026-12-07T02:30:00Z'))).toBeNull()
  })
})
