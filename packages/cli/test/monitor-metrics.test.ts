import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getFreePort, promtoolCheckMetrics } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { captureIo } from './capture-io.js'
import { docs, startHealthServer, type HealthServer } from './health-servers.js'

let service: HealthServer
let dir: string

beforeAll(async () => {
  service = await startHealthServer({
    '/health/live': { status: 200, body: docs.pass },
    '/health/ready': { status: 503, body: docs.readyPostgresDown },
  })
  dir = mkdtempSync(join(tmpdir(), 'tarmac-metrics-'))
  writeFileSync(
    join(dir, 'tarmac.yaml'),
    `services:\n  svc: { url: '${service.url}' }\nmonitor: { endpoints: [live, ready], failures: 1, window: 2 }\n`,
  )
})
afterAll(() => service.close())

describe('tarmac monitor --metrics-port', () => {
  it('serves state, latency histograms, scheduler lag and check counts that pass promtool check metrics', async () => {
    const port = await getFreePort()
    const controller = new AbortController()
    const io = captureIo(dir, {}, controller.signal)
    const running = main(['monitor', '--interval', '1000', '--metrics-port', String(port)], io)
    const url = `http://127.0.0.1:${port}/metrics`
    let text = ''
    try {
      // A few intervals: several failing checks of `svc ready` counted, and `svc live` up. The interval is
      // generous because it caps each check's deadline: on a loaded runner a 100 ms deadline fails `live` too.
      const failed = /svc ready",result="fail",trusted="true"\} [3-9]/
      const liveUp = /tarmac_monitor_target_up\{target="svc live",service="svc",kind="health"\} 1/
      const deadline = Date.now() + 60_000
      while (!(failed.test(text) && liveUp.test(text)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        text = await fetch(url).then(
          (r) => r.text(),
          () => '',
        )
      }
      const response = await fetch(url)
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
      text = await response.text()
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404)
    } finally {
      controller.abort()
      expect(await running).toBe(0)
    }
    expect(text).toContain(
      'tarmac_monitor_target_state{target="svc ready",service="svc",kind="health",state="down"} 1',
    )
    expect(text).toContain(
      'tarmac_monitor_target_state{target="svc live",service="svc",kind="health",state="up"} 1',
    )
    expect(text).toContain('tarmac_monitor_target_up{target="svc ready",service="svc",kind="health"} 0')
    expect(text).toMatch(/tarmac_monitor_check_duration_seconds_bucket\{le="\+Inf",target="svc live"\} [1-9]/)
    expect(text).toMatch(/tarmac_monitor_scheduler_lag_seconds_count [1-9]/)
    expect(text).toMatch(
      /tarmac_monitor_checks_total\{target="svc live",result="pass",trusted="true"\} [1-9]/,
    )
    expect(text).toMatch(/tarmac_monitor_target_uptime_ratio\{target="svc live",window="1h"\} 1/)
    expect(text).toMatch(/tarmac_monitor_missed_deadlines_total \d+/)
    expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' })
  }, 120_000)

  it('exits 2 with CLI_ERR_METRICS_LISTEN when the port is taken', async () => {
    const io = captureIo(dir)
    const code = await main(['monitor', '--once', '--metrics-port', String(service.port)], io)
    expect(code).toBe(2)
    expect(io.err()).toContain('CLI_ERR_METRICS_LISTEN')
  })
})
