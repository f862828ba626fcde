import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getFreePort } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { Monitor, type MonitorSnapshot } from '../src/monitor/monitor.js'
import { parseConfig } from '../src/config/load-config.js'
import { targetsOf } from '../src/monitor/monitor-targets.js'
import type { AlertEvent } from '../src/monitor/alert-event.js'
import type { IncidentEvent } from '../src/monitor/incident.js'
import { alerterFor } from '../src/monitor/alert-setup.js'
import { webhookSink } from '../src/monitor/alert-sinks.js'
import { startAlertReceiver, waitUntil, type AlertReceiver } from './alert-receiver.js'
import { captureIo } from './capture-io.js'
import { docs, startHealthServer, type HealthServer } from './health-servers.js'

let service: HealthServer
let receiver: AlertReceiver
let dir: string

beforeAll(async () => {
  service = await startHealthServer({ '/health/ready': { status: 200, body: docs.pass } })
  receiver = await startAlertReceiver()
  dir = mkdtempSync(join(tmpdir(), 'tarmac-alerts-'))
})
afterAll(async () => {
  await service.close()
  await receiver.close()
})

/**
 * A monitor of `service`'s /health/ready every 100 ms, down at 2 of 3, alerting as `yaml` and `flags` say
 * (`yaml` without an `alerts:` line groups nothing: each change is a message at once).
 */
function monitorWith(yaml: string, flags: Parameters<typeof alerterFor>[1], historyFile: string) {
  const config = parseConfig(
    `services:\n  svc: { url: '${service.url}' }\nmonitor: { intervalMs: 100, timeoutMs: 1000, endpoints: [ready], failures: 2, window: 3 }\n${yaml.includes('alerts:') ? '' : 'alerts: { groupWindowMs: 0 }\n'}${yaml}`,
  )
  const recorded: AlertEvent[] = []
  const incidents: IncidentEvent[] = []
  const failures: string[] = []
  let monitor: Monitor | undefined = undefined
  const alerter = alerterFor(
    config,
    flags,
    { PATH: process.env.PATH },
    {
      verdict: (targets) => monitor!.incidentVerdict(targets),
      onEvent: (event) => {
        recorded.push(event)
        monitor!.recordAlert(event)
      },
      onIncident: (event) => {
        incidents.push(event)
        monitor!.recordIncident(event)
      },
      onDelivery: (_event, outcome) => !outcome.ok && failures.push(`${outcome.code}: ${outcome.error}`),
    },
  )
  monitor = new Monitor({
    targets: targetsOf(config),
    concurrency: 4,
    failures: 2,
    window: 3,
    lagBoundMs: 1_000,
    historyFile,
    alerter,
  })
  return { monitor, recorded, incidents, failures }
}

const snapshotOf = (m: Monitor) => m.snapshot().targets[0]!

describe('alerts, delivered to a real HTTP receiver and a real command', () => {
  it('opens then resolves one incident, with the verdict and the evidence, at the webhook and the command', async () => {
    const out = join(dir, 'command-out.jsonl')
    const { monitor, recorded } = monitorWith(
      'alerts: { groupWindowMs: 200 }\n',
      {
        webhook: receiver.url,
        command: `{ cat; echo "env $TARMAC_ALERT_STATUS $TARMAC_ALERT_TARGETS $TARMAC_ALERT_DOMAIN/$TARMAC_ALERT_LAYER"; } >> '${out}'`,
      },
      join(dir, 'h1.jsonl'),
    )
    receiver.bodies.length = 0
    monitor.start()
    try {
      await waitUntil(
        () => snapshotOf(monitor).checks >= 3,
        () => JSON.stringify(snapshotOf(monitor)),
      )
      service.answers.set('/health/ready', { status: 503, body: docs.readyPostgresDown })
      await waitUntil(
        () => receiver.bodies.length >= 1,
        () => JSON.stringify(recorded),
      )
      await new Promise((resolve) => setTimeout(resolve, 500)) // several more failing checks: still one event
      service.answers.set('/health/ready', { status: 200, body: docs.pass })
      await waitUntil(
        () => receiver.bodies.length >= 2,
        () => JSON.stringify(recorded),
      )
    } finally {
      await monitor.stop()
      service.answers.set('/health/ready', { status: 200, body: docs.pass })
    }
    const bodies = receiver.bodies as IncidentEvent[]
    expect(bodies.map((b) => b.status)).toEqual(['opened', 'resolved'])
    expect(bodies[1]!.id).toBe(bodies[0]!.id)
    expect(bodies[0]).toMatchObject({
      kind: 'incident',
      id: expect.stringMatching(/^tarmac-\d{8}T\d{6}Z-[0-9a-f]{6}$/),
      sequence: 1,
      severity: 'outage',
      // Only /health/ready is monitored: diagnose's model finds nothing to weigh (it reads failing checks in
      // /health/infrastructure), so the target's own judgement stands — a refused connect, the network path.
      verdict: { basis: 'targets', domain: 'infrastructure', layer: 'tcp', owner: 'the network team' },
      targets: [
        {
          target: 'svc ready',
          service: 'svc',
          condition: 'down',
          since: expect.stringMatching(/^\d{4}-/),
          lastError: {
            errorClass: 'HEALTH_FAIL',
            code: 'TCP_REFUSED',
            faultDomain: 'infrastructure',
            httpStatus: 503,
          },
        },
      ],
      changes: [{ target: 'svc ready', from: 'up', to: 'down' }],
    })
    expect(bodies[0]!.verdict.handoff).toMatch(
      /^# Handoff: infrastructure \/ tcp\n\n- \*\*For:\*\* the network team/,
    )
    expect(bodies[0]!.verdict.evidence).toEqual([
      expect.stringMatching(/^svc ready is down: TCP_REFUSED — failing: postgres:responseTime/),
    ])
    expect(bodies[1]).toMatchObject({ sequence: 2, targets: [], involved: ['svc ready'] })
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(
      lines.filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as IncidentEvent).status),
    ).toEqual(['opened', 'resolved'])
    expect(lines).toContain('env opened svc ready infrastructure/tcp')
    // Every target event and every message is in the history too.
    const history = readFileSync(join(dir, 'h1.jsonl'), 'utf8')
    expect(history.match(/"kind":"alert"/g)).toHaveLength(2)
    expect(history.match(/"kind":"incident"/g)).toHaveLength(2)
    expect(recorded.map((e) => `${e.event}:${e.disposition}`)).toEqual(['down:sent', 'recovered:sent'])
  }, 60_000)

  it('retries a failing webhook with backoff, and a receiver that never answers does not stop the monitor', async () => {
    const flaky = await startAlertReceiver([500, 503])
    const event = { kind: 'incident', id: 'i', status: 'opened' } as unknown as IncidentEvent
    const delays: number[] = []
    const sleep = (ms: number) => (delays.push(ms), Promise.resolve())
    const outcome = await webhookSink(flaky.url, {
      attempts: 4,
      backoffMs: 100,
      timeoutMs: 2_000,
      sleep,
    }).deliver(event)
    expect(outcome).toEqual({ sink: 'webhook', ok: true, attempts: 3 })
    expect(flaky.bodies).toHaveLength(3)
    expect(delays).toEqual([100, 200])
    const refusing = await startAlertReceiver([400])
    expect(
      await webhookSink(refusing.url, { attempts: 4, backoffMs: 1, timeoutMs: 2_000 }).deliver(event),
    ).toMatchObject({ ok: false, attempts: 1, code: 'CLI_ERR_ALERT_WEBHOOK', error: 'HTTP 400' })
    await Promise.all([flaky.close(), refusing.close()])

    const closed = `http://127.0.0.1:${await getFreePort()}/hook`
    const { monitor, failures } = monitorWith(
      'alerts: { webhookAttempts: 3, webhookBackoffMs: 50, groupWindowMs: 0 }\n',
      { webhook: closed, command: 'exit 7' },
      join(dir, 'h2.jsonl'),
    )
    monitor.start()
    try {
      service.answers.set('/health/ready', { status: 503, body: docs.readyAppBroken })
      await waitUntil(
        () => failures.length >= 2,
        () => failures.join('; '),
      )
      const checks = snapshotOf(monitor).checks
      await waitUntil(
        () => snapshotOf(monitor).checks > checks + 2,
        () => 'the monitor stopped checking',
      )
    } finally {
      await monitor.stop()
      service.answers.set('/health/ready', { status: 200, body: docs.pass })
    }
    expect(failures).toContain('CLI_ERR_ALERT_COMMAND: exited 7')
    expect(failures.find((f) => f.startsWith('CLI_ERR_ALERT_WEBHOOK'))).toMatch(/TCP_REFUSED/)
    expect(failures.join()).not.toContain(closed) // the receiver's URL may hold a secret: never printed
  }, 60_000)

  it('records but does not send inside a maintenance window, and rate-limits a flapping target', async () => {
    const now = Date.now()
    const { monitor, recorded } = monitorWith(
      `maintenance:\n  - { start: '${new Date(now - 60_000).toISOString()}', end: '${new Date(now + 3_600_000).toISOString()}', targets: [svc], reason: 'db upgrade' }\n`,
      { webhook: receiver.url },
      join(dir, 'h3.jsonl'),
    )
    receiver.bodies.length = 0
    monitor.start()
    try {
      service.answers.set('/health/ready', { status: 503, body: docs.readyAppBroken })
      await waitUntil(
        () => recorded.length >= 1,
        () => 'no event recorded',
      )
    } finally {
      await monitor.stop()
      service.answers.set('/health/ready', { status: 200, body: docs.pass })
    }
    expect(recorded[0]).toMatchObject({
      event: 'down',
      disposition: 'maintenance',
      maintenance: { reason: 'db upgrade' },
    })
    expect(receiver.bodies).toEqual([])
    expect(readFileSync(join(dir, 'h3.jsonl'), 'utf8')).toContain('"disposition":"maintenance"')

    const limited = monitorWith('', { webhook: receiver.url, limit: '1/1h' }, join(dir, 'h4.jsonl'))
    limited.monitor.start()
    try {
      for (let flap = 0; flap < 2; flap++) {
        service.answers.set('/health/ready', { status: 503, body: docs.readyAppBroken })
        await waitUntil(
          () => snapshotOf(limited.monitor).status === 'down',
          () => 'never down',
        )
        service.answers.set('/health/ready', { status: 200, body: docs.pass })
        await waitUntil(
          () => snapshotOf(limited.monitor).status === 'up',
          () => 'never up',
        )
      }
    } finally {
      await limited.monitor.stop()
    }
    // The second outage is held back; a recovery never is (it resolves the first).
    expect(receiver.bodies).toMatchObject([{ status: 'opened' }, { status: 'resolved' }])
    expect(limited.recorded.map((e) => e.disposition)).toEqual(['sent', 'sent', 'rate-limited', 'unchanged'])
  }, 60_000)
})

describe('tarmac monitor --once --alert-webhook --history', () => {
  it('alerts once for a target that stays down across runs (the history remembers the open incident)', async () => {
    const closedPort = await getFreePort()
    writeFileSync(
      join(dir, 'tarmac.yaml'),
      `services:\n  gone: { url: 'http://127.0.0.1:${closedPort}' }\nmonitor: { endpoints: [live] }\n`,
    )
    receiver.bodies.length = 0
    const run = async () => {
      const io = captureIo(dir)
      const code = await main(
        ['monitor', '--once', '--json', '--history', 'once.jsonl', '--alert-webhook', receiver.url],
        io,
      )
      return {
        code,
        snapshot: JSON.parse(io.out()) as MonitorSnapshot & {
          alertEvents: AlertEvent[]
          incidents: IncidentEvent[]
        },
      }
    }
    const first = await run()
    expect(first.code).toBe(1)
    expect(first.snapshot.alertEvents).toMatchObject([{ event: 'down', disposition: 'sent' }])
    // A single sweep is one grouping window: the opening is sent before the run ends.
    expect(first.snapshot.incidents).toMatchObject([{ status: 'opened' }])
    expect(receiver.bodies).toMatchObject([
      {
        status: 'opened',
        // A service that does not answer at all: a crash and a broken network look alike from here.
        verdict: { domain: 'unknown', layer: 'unknown' },
        targets: [{ target: 'gone live', lastError: { errorClass: 'TCP_REFUSED', faultDomain: 'unknown' } }],
      },
    ])
    const second = await run()
    expect(second.code).toBe(1)
    expect(second.snapshot.alertEvents).toEqual([])
    expect(second.snapshot.incidents).toEqual([])
    expect(receiver.bodies).toHaveLength(1)
    expect(second.snapshot.targets[0]).toMatchObject({
      status: 'down',
      downSince: first.snapshot.targets[0]!.since,
    })
  }, 30_000)
})
