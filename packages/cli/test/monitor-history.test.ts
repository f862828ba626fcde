import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { Monitor, type MonitorSnapshot } from '../src/monitor/monitor.js'
import { parseConfig } from '../src/config/load-config.js'
import { targetsOf } from '../src/monitor/monitor-targets.js'
import { waitUntil } from './alert-receiver.js'
import { captureIo } from './capture-io.js'
import { docs, startHealthServer, type HealthServer } from './health-servers.js'

let service: HealthServer
let dir: string

beforeAll(async () => {
  service = await startHealthServer({ '/health/ready': { status: 200, body: docs.pass } })
  dir = mkdtempSync(join(tmpdir(), 'tarmac-history-'))
})
afterAll(() => service.close())

const monitorOn = (historyFile: string, historyMaxBytes?: number) => {
  const config = parseConfig(
    `services:\n  svc: { url: '${service.url}' }\nmonitor: { intervalMs: 50, timeoutMs: 1000, endpoints: [ready], failures: 2, window: 3 }\n`,
  )
  return new Monitor({
    targets: targetsOf(config),
    concurrency: 4,
    failures: 2,
    window: 3,
    lagBoundMs: 1_000,
    historyFile,
    ...(historyMaxBytes !== undefined && { historyMaxBytes }),
  })
}

describe('the --history file', () => {
  it('stays bounded by compaction while the monitor runs, and is read back at start', async () => {
    const file = join(dir, 'bounded.jsonl')
    const monitor = monitorOn(file, 16_384)
    monitor.start()
    try {
      await waitUntil(
        () => (monitor.snapshot().history?.compactions ?? 0) >= 3,
        () => JSON.stringify(monitor.snapshot().history),
      )
      service.answers.set('/health/ready', { status: 503, body: docs.readyAppBroken })
      await waitUntil(
        () => monitor.snapshot().targets[0]!.status === 'down',
        () => 'never down',
      )
    } finally {
      await monitor.stop()
      service.answers.set('/health/ready', { status: 200, body: docs.pass })
    }
    const down = monitor.snapshot().targets[0]!
    // Bounded: compacted to buckets, transitions and the window's last results whenever it passed 16 KiB.
    expect(statSync(file).size).toBeLessThan(16_384 + 4_096)
    const again = monitorOn(file)
    const restored = again.snapshot().targets[0]!
    await again.stop()
    expect(restored).toMatchObject({ status: 'down', downSince: down.downSince, since: down.since })
    expect(restored.checks).toBeGreaterThan(0) // the window came back before any new check
    expect(restored.uptime['1h']).toBeCloseTo(down.uptime['1h']!, 5)
    expect(restored.uptime['1h']).toBeGreaterThan(50)
    expect(restored.uptime['1h']).toBeLessThan(100)
  }, 60_000)

  it('shows uptime over 1 h / 24 h / 7 d and "down since" from a week of history, skipping a torn line', async () => {
    const file = join(dir, 'week.jsonl')
    const now = Date.now()
    const line = (msAgo: number, status: 'up' | 'down') =>
      JSON.stringify({
        target: 'svc ready',
        at: new Date(now - msAgo).toISOString(),
        state: status === 'up' ? 'pass' : 'fail',
        latencyMs: 2,
        lagMs: 0,
        trusted: true,
        status,
      })
    const lines: string[] = []
    // Six days ago: down for an hour (one result a minute). Two hours ago: down for 30 minutes. Otherwise up
    // every minute of the last two days.
    for (let m = 0; m < 60; m++) lines.push(line(6 * 86_400_000 + m * 60_000, 'down'))
    for (let m = 1; m <= 2 * 24 * 60; m++) lines.push(line(m * 60_000, m > 90 && m <= 120 ? 'down' : 'up'))
    lines.sort(
      (a, b) =>
        Date.parse((JSON.parse(a) as { at: string }).at) - Date.parse((JSON.parse(b) as { at: string }).at),
    )
    writeFileSync(file, `${lines.join('\n')}\n{"target":"svc ready","at":"20`)
    writeFileSync(
      join(dir, 'tarmac.yaml'),
      `services:\n  svc: { url: '${service.url}' }\nmonitor: { endpoints: [ready] }\n`,
    )
    const io = captureIo(dir)
    expect(await main(['monitor', '--once', '--json', '--history', file], io)).toBe(0)
    const snapshot = JSON.parse(io.out()) as MonitorSnapshot
    const row = snapshot.targets[0]!
    expect(row.uptime['1h']).toBe(100)
    expect(row.uptime['24h']).toBeCloseTo((100 * (1440 - 30 + 1)) / (1440 + 1), 0)
    expect(row.uptime['7d']).toBeCloseTo((100 * (2880 - 30 + 1)) / (2880 + 60 + 1), 0)
    expect(snapshot.history).toMatchObject({ skippedLines: 1 })
    // Compacted at start: about one line per hour and per recent minute, not one per result.
    expect(readFileSync(file, 'utf8').trim().split('\n').length).toBeLessThan(1_700)

    service.answers.set('/health/ready', { status: 503, body: docs.readyAppBroken })
    try {
      const table = captureIo(dir)
      expect(await main(['monitor', '--once', '--history', file], table)).toBe(1)
      expect(table.out()).toMatch(
        /svc ready\s+down\s+\S+ ms\s+\S+ ms\s+9\d\.\d%\s+9\d\.\d%\s+9\d\.\d%\s+1\s+\d\d:\d\d:\d\d \(0s\)/,
      )
      const json = captureIo(dir)
      await main(['monitor', '--once', '--json', '--history', file], json)
      const down = (JSON.parse(json.out()) as MonitorSnapshot).targets[0]!
      expect(down.status).toBe('down')
      expect(Date.parse(down.downSince!)).toBeLessThan(
        Date.parse((JSON.parse(json.out()) as MonitorSnapshot).at),
      )
    } finally {
      service.answers.set('/health/ready', { status: 200, body: docs.pass })
    }
  }, 30_000)
})
