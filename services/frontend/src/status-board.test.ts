import { describe, expect, it } from 'vitest'
import type { HealthGet } from './service-status.js'
import { createStatusBoard } from './status-board.js'

/** A service whose answers the test switches: up (with a startup report) or failing a dependency check. */
function switchable(startedAt: string) {
  let up = true
  const get: HealthGet = async (path) => {
    const body =
      path === '/health/startup'
        ? {
            status: 'pass',
            state: 'started',
            report: { state: 'started', startedAt, durationMs: 1_000, phases: [] },
          }
        : up
          ? { status: 'pass', checks: {} }
          : {
              status: 'fail',
              checks: {
                'postgres:connect': [
                  { status: 'fail', code: 'PG_ERR_TIMEOUT', domain: 'infrastructure', layer: 'connector' },
                ],
              },
            }
    return { statusCode: up || path === '/health/startup' ? 200 : 503, body, latencyMs: 1 }
  }
  return { get, setUp: (value: boolean) => (up = value) }
}

describe('the status board: since when, and the last 24 hours', () => {
  it('takes "since" from the startup report at first, then from the change it saw, with a timeline', async () => {
    let nowMs = Date.parse('2026-12-01T10:00:00Z')
    const backend = switchable('2026-12-01T09:00:00.000Z')
    const board = createStatusBoard({
      services: [{ name: 'backend', get: backend.get }],
      coldStartMarks: () => [{ at: '2026-12-01T08:59:58.000Z', outcome: 'ready', phase: null, code: null }],
      cacheMs: 0,
      now: () => nowMs,
    })
    const first = (await board.read()).services[0]!
    // Up since its startup ended (09:00:00 + 1 s), not since this frontend first looked (10:00).
    expect(first).toMatchObject({ since: '2026-12-01T09:00:01.000Z', sinceBasis: 'startup-report' })
    nowMs += 60_000
    backend.setUp(false)
    const down = (await board.read()).services[0]!
    expect(down).toMatchObject({ status: 'fail', since: '2026-12-01T10:01:00.000Z', sinceBasis: 'observed' })
    nowMs += 60_000
    expect((await board.read()).services[0]!.since).toBe('2026-12-01T10:01:00.000Z')
    expect(down.timeline.changes.map((c) => [c.at, c.status, c.code])).toEqual([
      ['2026-12-01T09:00:01.000Z', 'pass', null],
      ['2026-12-01T10:01:00.000Z', 'fail', 'PG_ERR_TIMEOUT'],
    ])
    expect(down.timeline).toMatchObject({ windowMs: 86_400_000, coldStarts: [{ outcome: 'ready' }] })
  })

  it('polls in the background, so a change is dated when it happened, not when the page is next opened', async () => {
    const backend = switchable(new Date(Date.now() - 60_000).toISOString())
    const board = createStatusBoard({
      services: [{ name: 'backend', get: backend.get }],
      cacheMs: 0,
      pollMs: 20,
    })
    board.start()
    try {
      await new Promise((resolve) => setTimeout(resolve, 100))
      backend.setUp(false)
      const changedMs = Date.now()
      await new Promise((resolve) => setTimeout(resolve, 600))
      const readMs = Date.now()
      const service = (await board.read()).services[0]!
      expect(service.status).toBe('fail')
      expect(service.sinceBasis).toBe('observed')
      expect(Date.parse(service.since)).toBeGreaterThanOrEqual(changedMs)
      expect(Date.parse(service.since)).toBeLessThan(readMs)
    } finally {
      board.stop()
    }
  })
})
