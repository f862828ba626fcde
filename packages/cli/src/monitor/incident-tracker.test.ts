import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AlertEvent } from './alert-event.js'
import type { TargetCondition } from './check-result.js'
import type { IncidentEvent, IncidentVerdict } from './incident.js'
import { IncidentTracker } from './incident-tracker.js'

const verdictFor = (layer: string): IncidentVerdict => ({
  basis: 'diagnose',
  domain: 'infrastructure',
  layer,
  confidence: 'high',
  score: 8,
  runnerUp: null,
  since: null,
  evidence: [],
  actions: [],
  owner: `the ${layer} team`,
  handoff: `# Handoff: infrastructure / ${layer}`,
})

/** A target change as the alerter passes it on (only the fields the tracker reads matter). */
const change = (target: string, from: TargetCondition, to: TargetCondition): AlertEvent => ({
  kind: 'alert',
  event: to === 'up' ? 'recovered' : (to as 'down' | 'degraded'),
  target,
  service: target.split(' ')[0]!,
  at: new Date().toISOString(),
  from,
  to,
  since: new Date().toISOString(),
  lastError: null,
  window: { failures: 3, size: 5, threshold: 3, checks: 5, untrusted: 0 },
  disposition: 'sent',
  suppressed: 0,
  maintenance: null,
})

function setUp(groupWindowMs = 10_000) {
  const sent: IncidentEvent[] = []
  let layer = 'postgres-availability'
  let ids = 0
  const tracker = new IncidentTracker({
    groupWindowMs,
    verdict: () => verdictFor(layer),
    send: (event) => sent.push(event),
    newId: () => `incident-${++ids}`,
  })
  return { tracker, sent, setLayer: (next: string) => (layer = next) }
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-12-07T10:00:00Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('IncidentTracker: one alert per root cause', () => {
  it('groups the changes of one fault within the window into one opening, then updates and resolves it', () => {
    const { tracker, sent } = setUp()
    tracker.note(change('postgres', 'up', 'down'))
    vi.advanceTimersByTime(4_000)
    tracker.note(change('backend ready', 'up', 'down'))
    vi.advanceTimersByTime(3_000)
    tracker.note(change('auth ready', 'up', 'down'))
    expect(sent).toEqual([]) // the window is still open
    vi.advanceTimersByTime(3_000)
    expect(sent.map((e) => e.status)).toEqual(['opened'])
    expect(sent[0]).toMatchObject({
      id: 'incident-1',
      sequence: 1,
      severity: 'outage',
      verdict: { layer: 'postgres-availability', owner: 'the postgres-availability team' },
    })
    expect(sent[0]!.targets.map((t) => t.target)).toEqual(['postgres', 'backend ready', 'auth ready'])
    expect(sent[0]!.title).toMatch(/^infrastructure \/ postgres-availability \(confidence high\): 3 down/)
    expect(sent[0]!.changes).toHaveLength(3)

    // The picture changes: the database is back, the services not yet.
    tracker.note(change('postgres', 'down', 'up'))
    vi.advanceTimersByTime(10_000)
    expect(sent.map((e) => `${e.id}:${e.status}`)).toEqual(['incident-1:opened', 'incident-1:updated'])
    expect(sent[1]!.targets.map((t) => t.target)).toEqual(['backend ready', 'auth ready'])

    tracker.note(change('backend ready', 'down', 'up'))
    tracker.note(change('auth ready', 'down', 'up'))
    vi.advanceTimersByTime(10_000)
    expect(sent.map((e) => `${e.id}:${e.status}:${e.sequence}`)).toEqual([
      'incident-1:opened:1',
      'incident-1:updated:2',
      'incident-1:resolved:3',
    ])
    expect(sent[2]).toMatchObject({
      targets: [],
      involved: ['postgres', 'backend ready', 'auth ready'],
      verdict: { layer: 'postgres-availability' },
      resolvedAt: '2026-12-07T10:00:30.000Z',
    })
    expect(sent[2]!.title).toMatch(/^resolved after 30 s: infrastructure \/ postgres-availability/)
    expect(tracker.open).toBeNull()

    // The next fault is a new incident.
    tracker.note(change('auth ready', 'up', 'down'))
    vi.advanceTimersByTime(10_000)
    expect(sent.at(-1)).toMatchObject({ id: 'incident-2', status: 'opened', sequence: 1 })
  })

  it('tells an outage over within the window as opened and resolved at once, and does not resolve on a blip', () => {
    const { tracker, sent } = setUp()
    tracker.note(change('backend ready', 'up', 'down'))
    vi.advanceTimersByTime(3_000)
    tracker.note(change('backend live', 'up', 'down'))
    vi.advanceTimersByTime(4_000)
    tracker.note(change('backend ready', 'down', 'up'))
    tracker.note(change('backend live', 'down', 'up'))
    vi.advanceTimersByTime(3_000)
    expect(sent.map((e) => `${e.id}:${e.status}`)).toEqual(['incident-1:opened', 'incident-1:resolved'])
    expect(sent[0]!.targets.map((t) => `${t.target}:${t.condition}`)).toEqual([
      'backend ready:down',
      'backend live:down',
    ])
    expect(sent[1]!.title).toMatch(/^resolved after 10 s: /)
    sent.length = 0
    tracker.note(change('backend ready', 'up', 'down'))
    vi.advanceTimersByTime(10_000)
    tracker.note(change('backend ready', 'down', 'up'))
    vi.advanceTimersByTime(5_000)
    tracker.note(change('backend ready', 'up', 'down')) // back down within the window: still the same picture
    vi.advanceTimersByTime(5_000)
    expect(sent.map((e) => e.status)).toEqual(['opened'])
  })

  it('updates when the verdict changes with no target changing, once per window at most', () => {
    const { tracker, sent, setLayer } = setUp()
    tracker.note(change('backend ready', 'up', 'down'))
    vi.advanceTimersByTime(10_000)
    tracker.reconsider()
    setLayer('connector')
    tracker.reconsider() // looked at less than a window ago
    expect(sent).toHaveLength(1)
    vi.advanceTimersByTime(10_000)
    tracker.reconsider()
    vi.advanceTimersByTime(10_000)
    expect(sent.map((e) => `${e.status}:${e.verdict.layer}`)).toEqual([
      'opened:postgres-availability',
      'updated:connector',
    ])
  })

  it('keeps the verdict while targets come back, and judges anew when a new target joins', () => {
    const { tracker, sent, setLayer } = setUp(0)
    tracker.note(change('postgres', 'up', 'down'))
    tracker.note(change('backend ready', 'up', 'down'))
    tracker.note(change('backend infrastructure', 'up', 'down'))
    // The database is back; the services' last checks still fail, so the model would now name the path.
    setLayer('connector')
    tracker.note(change('postgres', 'down', 'up'))
    tracker.note(change('backend ready', 'down', 'degraded'))
    tracker.note(change('backend infrastructure', 'down', 'up')) // back, and a flap of a known target:
    tracker.note(change('backend infrastructure', 'up', 'down')) // still recovering
    tracker.reconsider()
    expect(sent.map((e) => `${e.status}:${e.verdict.layer}`)).toEqual([
      'opened:postgres-availability',
      'updated:postgres-availability',
      'updated:postgres-availability',
      'updated:postgres-availability',
      'updated:postgres-availability',
      'updated:postgres-availability',
      'updated:postgres-availability',
    ])
    tracker.note(change('auth ready', 'up', 'down')) // a new target: the picture is growing again
    expect(sent.at(-1)).toMatchObject({ status: 'updated', verdict: { layer: 'connector' } })
    tracker.note(change('auth ready', 'down', 'up'))
    tracker.note(change('backend ready', 'degraded', 'up'))
    tracker.note(change('backend infrastructure', 'down', 'up'))
    expect(sent.at(-1)).toMatchObject({ status: 'resolved', verdict: { layer: 'connector' } })
  })

  it('sends what is pending on flush, and an incident read back goes on with its id', () => {
    const { tracker, sent } = setUp()
    tracker.note(change('gone live', 'up', 'down'))
    tracker.flush()
    expect(sent.map((e) => e.status)).toEqual(['opened'])
    const next = setUp()
    next.tracker.restore(sent[0]!)
    expect(next.tracker.open).toEqual({ id: 'incident-1', targets: ['gone live'] })
    next.tracker.note(change('gone live', 'down', 'up'))
    next.tracker.flush()
    expect(next.sent).toMatchObject([{ id: 'incident-1', status: 'resolved', sequence: 2 }])
  })

  it('is a warning while its targets are only degraded (a certificate expiring)', () => {
    const { tracker, sent } = setUp(0)
    tracker.note(change('site tls', 'up', 'degraded'))
    expect(sent).toMatchObject([{ status: 'opened', severity: 'warning' }])
    expect(sent[0]!.title).toContain('1 degraded (site tls)')
  })
})
