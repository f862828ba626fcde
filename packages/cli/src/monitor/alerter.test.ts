import { describe, expect, it } from 'vitest'
import type { AlertEvent } from './alert-event.js'
import type { AlertSink } from './alert-sinks.js'
import { Alerter } from './alerter.js'
import type { TargetCondition } from './check-result.js'
import type { IncidentEvent, IncidentVerdict } from './incident.js'
import { MaintenanceCalendar } from './maintenance.js'
import type { TargetSummary } from './target-window.js'

const summary = (condition: TargetCondition): TargetSummary => ({
  target: 'backend ready',
  status: condition === 'degraded' ? 'up' : condition,
  degraded: condition === 'degraded',
  checks: 10,
  untrusted: 0,
  windowFailures: condition === 'down' ? 3 : 0,
  p50Ms: 1,
  p95Ms: 2,
  uptimePercent: 90,
  last: null,
  lastError: {
    target: 'backend ready',
    at: '2026-12-01T10:00:00.000Z',
    state: 'fail',
    latencyMs: 3,
    lagMs: 0,
    trusted: true,
    errorClass: 'HEALTH_FAIL',
    code: 'PG_ERR_CONNECT_TIMEOUT',
    faultDomain: 'infrastructure',
    faultLayer: 'connector',
  },
})

const VERDICT: IncidentVerdict = {
  basis: 'diagnose',
  domain: 'infrastructure',
  layer: 'connector',
  confidence: 'high',
  score: 6,
  runnerUp: null,
  since: null,
  evidence: [],
  actions: [],
  owner: 'the platform team that runs the VPC connector',
  handoff: '# Handoff',
}

/**
 * An alerter whose one sink keeps the incident messages it was given, each change sent at once (grouping
 * window 0); the sinks and the grouping have their own tests.
 */
function setUp(options: { eventsPerTarget?: number; maintenance?: MaintenanceCalendar } = {}) {
  let nowMs = Date.parse('2026-12-01T10:00:00Z')
  const delivered: IncidentEvent[] = []
  let incidents = 0
  const recorded: AlertEvent[] = []
  const sink: AlertSink = {
    name: 'webhook',
    deliver: (event) => {
      delivered.push(event)
      return Promise.resolve({ sink: 'webhook', ok: true, attempts: 1 })
    },
  }
  const alerter = new Alerter({
    sinks: [sink],
    maintenance: options.maintenance ?? new MaintenanceCalendar([]),
    eventsPerTarget: options.eventsPerTarget ?? 10,
    perMs: 600_000,
    groupWindowMs: 0,
    verdict: () => VERDICT,
    newIncidentId: () => `incident-${++incidents}`,
    onEvent: (event) => recorded.push(event),
    now: () => nowMs,
  })
  const see = (condition: TargetCondition) =>
    alerter.observe({
      target: 'backend ready',
      service: 'backend',
      summary: summary(condition),
      condition,
      since: new Date(nowMs).toISOString(),
      size: 5,
      threshold: 3,
    })
  return { alerter, delivered, recorded, see, advance: (ms: number) => (nowMs += ms) }
}

describe('Alerter', () => {
  it('passes one event per transition on to the incident, with the evidence, and nothing for starting or unknown', async () => {
    const { alerter, delivered, recorded, see } = setUp()
    for (const c of ['unknown', 'up', 'up', 'down', 'down', 'starting', 'down', 'degraded', 'up'] as const)
      see(c)
    await alerter.drain()
    expect(recorded.map((e) => `${e.event}:${e.from}→${e.to}:${e.disposition}`)).toEqual([
      'down:up→down:sent',
      'degraded:down→degraded:sent',
      'recovered:degraded→up:sent',
    ])
    expect(recorded[0]).toMatchObject({
      target: 'backend ready',
      service: 'backend',
      lastError: { code: 'PG_ERR_CONNECT_TIMEOUT', faultDomain: 'infrastructure', faultLayer: 'connector' },
      window: { failures: 3, size: 5, threshold: 3 },
    })
    // The receivers get one incident: opened, updated (down → degraded), resolved; one id.
    expect(delivered.map((e) => `${e.id}:${e.status}:${e.severity}`)).toEqual([
      'incident-1:opened:outage',
      'incident-1:updated:warning',
      'incident-1:resolved:outage',
    ])
    expect(delivered[0]).toMatchObject({
      verdict: { domain: 'infrastructure', layer: 'connector', owner: VERDICT.owner },
      targets: [
        {
          target: 'backend ready',
          condition: 'down',
          lastError: { code: 'PG_ERR_CONNECT_TIMEOUT', faultLayer: 'connector' },
        },
      ],
      changes: [{ target: 'backend ready', from: 'up', to: 'down' }],
    })
    expect(delivered[2]).toMatchObject({
      targets: [],
      involved: ['backend ready'],
      resolvedAt: expect.any(String),
    })
  })

  it('rate-limits per target (never a recovery), records what it held back, and catches up once the limit allows', async () => {
    const { alerter, delivered, recorded, see, advance } = setUp({ eventsPerTarget: 1 })
    see('down')
    see('up') // a recovery goes on, limit or not: held back, it would keep the incident open
    see('down')
    see('down')
    expect(recorded.map((e) => `${e.event}:${e.disposition}`)).toEqual([
      'down:sent',
      'recovered:sent',
      'down:rate-limited',
    ])
    advance(300_000)
    see('down') // still limited
    advance(400_000)
    see('down') // the limit allows again: one catch-up saying where it is now
    await alerter.drain()
    expect(recorded.at(-1)).toMatchObject({ event: 'down', disposition: 'sent', suppressed: 1 })
    expect(delivered.map((e) => `${e.id}:${e.status}`)).toEqual([
      'incident-1:opened',
      'incident-1:resolved',
      'incident-2:opened',
    ])
  })

  it('records changes inside a maintenance window without sending them, then tells what is still true after', async () => {
    const start = Date.parse('2026-12-01T10:00:00Z')
    const { alerter, delivered, recorded, see, advance } = setUp({
      maintenance: new MaintenanceCalendar([
        { start: new Date(start).toISOString(), end: new Date(start + 60_000).toISOString() },
      ]),
    })
    see('down')
    advance(10_000)
    see('up')
    advance(10_000)
    see('down')
    expect(recorded.map((e) => e.disposition)).toEqual(['maintenance', 'unchanged', 'maintenance'])
    expect(recorded[0]!.maintenance).toMatchObject({ reason: 'maintenance' })
    advance(60_000) // the window is over; the target is still down
    see('down')
    await alerter.drain()
    expect(delivered.map((e) => `${e.status}:${e.targets.map((t) => t.condition).join()}`)).toEqual([
      'opened:down',
    ])
  })
})
