import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { CliError } from '../errors.js'
import type { AlertEvent } from './alert-event.js'
import type { DeliveryOutcome } from './alert-sinks.js'
import type { IncidentEvent } from './incident.js'
import { TARGET_CONDITIONS, type CheckResult } from './check-result.js'
import type { Monitor } from './monitor.js'
import { conditionOf } from './target-window.js'
import { UPTIME_WINDOWS } from './uptime-ledger.js'

/** Check latency buckets, in seconds: from a loopback probe to a slow connector's establishment. */
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
/** Scheduler lateness buckets, in seconds: the lag bound (250 ms by default) sits in the middle. */
const LAG_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** The monitor's Prometheus metrics: fed by every result and alert, the rest read from the monitor at scrape. */
export interface MonitorMetrics {
  readonly registry: Registry
  observe(result: CheckResult): void
  observeAlert(event: AlertEvent): void
  observeIncident(event: IncidentEvent): void
  observeDelivery(outcome: DeliveryOutcome): void
}

/**
 * Per target: its state (one series per state, 1 for the current one), `up` (1 when up or degraded), uptime
 * over 1 h / 24 h / 7 d, a latency histogram and check counts by result; the monitor's own scheduler lag
 * (histogram), missed deadlines, untrusted results and checks in flight; alerts by disposition and deliveries
 * by outcome. Its own registry: nothing global.
 */
export function createMonitorMetrics(monitor: Monitor): MonitorMetrics {
  const registry = new Registry()
  // One snapshot serves every collector of a scrape.
  let cached: { atMs: number; value: ReturnType<Monitor['snapshot']> } | undefined
  const snapshot = () => {
    const nowMs = performance.now()
    if (!cached || nowMs - cached.atMs > 250) cached = { atMs: nowMs, value: monitor.snapshot() }
    return cached.value
  }
  const latency = new Histogram({
    name: 'tarmac_monitor_check_duration_seconds',
    help: 'Duration of each check, by target (trusted results only).',
    labelNames: ['target'],
    buckets: LATENCY_BUCKETS_S,
    registers: [registry],
  })
  const checks = new Counter({
    name: 'tarmac_monitor_checks_total',
    help: 'Checks completed, by target, result (pass, fail, starting) and whether the result was trusted.',
    labelNames: ['target', 'result', 'trusted'],
    registers: [registry],
  })
  const lag = new Histogram({
    name: 'tarmac_monitor_scheduler_lag_seconds',
    help: 'How late the scheduler started each check after its due time.',
    buckets: LAG_BUCKETS_S,
    registers: [registry],
  })
  const alerts = new Counter({
    name: 'tarmac_monitor_alerts_total',
    help: 'Alert events recorded, by event (down, recovered, degraded) and disposition (sent, maintenance, rate-limited, unchanged).',
    labelNames: ['event', 'disposition'],
    registers: [registry],
  })
  const incidents = new Counter({
    name: 'tarmac_monitor_incident_messages_total',
    help: 'Alert messages sent, one incident per root cause, by status (opened, updated, resolved).',
    labelNames: ['status'],
    registers: [registry],
  })
  const deliveries = new Counter({
    name: 'tarmac_monitor_alert_deliveries_total',
    help: 'Alert deliveries, by sink (webhook, command) and outcome (delivered, failed).',
    labelNames: ['sink', 'outcome'],
    registers: [registry],
  })
  new Gauge({
    name: 'tarmac_monitor_target_state',
    help: 'The state of each target: 1 for its current state, 0 for the others.',
    labelNames: ['target', 'service', 'kind', 'state'],
    registers: [registry],
    collect() {
      this.reset()
      for (const row of snapshot().targets) {
        const current = conditionOf(row)
        for (const state of TARGET_CONDITIONS)
          this.set(
            { target: row.target, service: row.service, kind: row.kind, state },
            state === current ? 1 : 0,
          )
      }
    },
  })
  new Gauge({
    name: 'tarmac_monitor_target_up',
    help: 'Whether each target is up (1, degraded included) or not (0: down, starting or unknown).',
    labelNames: ['target', 'service', 'kind'],
    registers: [registry],
    collect() {
      this.reset()
      for (const row of snapshot().targets)
        this.set({ target: row.target, service: row.service, kind: row.kind }, row.status === 'up' ? 1 : 0)
    },
  })
  new Gauge({
    name: 'tarmac_monitor_target_uptime_ratio',
    help: 'Share of the window each target was up, by window (1h, 24h, 7d); absent before the first result.',
    labelNames: ['target', 'window'],
    registers: [registry],
    collect() {
      this.reset()
      for (const row of snapshot().targets)
        for (const window of Object.keys(UPTIME_WINDOWS) as (keyof typeof UPTIME_WINDOWS)[]) {
          const percent = row.uptime[window]
          if (percent !== null) this.set({ target: row.target, window }, percent / 100)
        }
    },
  })
  const stat = (
    name: string,
    help: string,
    read: (s: ReturnType<Monitor['snapshot']>['scheduler']) => number,
  ) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        // The scheduler keeps these counts itself; the counter mirrors them at each scrape.
        this.reset()
        this.inc(read(snapshot().scheduler))
      },
    })
  stat(
    'tarmac_monitor_missed_deadlines_total',
    'Checks started later than the lag bound, or skipped because the previous one still ran.',
    (s) => s.missedDeadlines,
  )
  stat(
    'tarmac_monitor_untrusted_results_total',
    'Results measured while the monitor itself ran late: kept, not counted.',
    (s) => s.untrusted,
  )
  new Gauge({
    name: 'tarmac_monitor_checks_in_flight',
    help: 'Checks running now.',
    registers: [registry],
    collect() {
      this.set(snapshot().scheduler.inFlight)
    },
  })
  return {
    registry,
    observe(result) {
      checks.inc({ target: result.target, result: result.state, trusted: String(result.trusted) })
      lag.observe(result.lagMs / 1000)
      if (result.trusted) latency.observe({ target: result.target }, result.latencyMs / 1000)
    },
    observeIncident(event) {
      incidents.inc({ status: event.status })
    },
    observeAlert(event) {
      alerts.inc({ event: event.event, disposition: event.disposition })
    },
    observeDelivery(outcome) {
      deliveries.inc({ sink: outcome.sink, outcome: outcome.ok ? 'delivered' : 'failed' })
    },
  }
}

/** Serves `GET /metrics` (Prometheus text exposition) on `host:port`; anything else is a 404. */
export async function serveMetrics(
  metrics: MonitorMetrics,
  port: number,
  host = '127.0.0.1',
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(path === '/metrics' ? 405 : 404, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          code: path === '/metrics' ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND',
          message: 'GET /metrics',
        }),
      )
      return
    }
    metrics.registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType })
        response.end(request.method === 'HEAD' ? undefined : text)
      },
      () => {
        response.writeHead(500, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ code: 'INTERNAL', message: 'metrics could not be collected' }))
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: Error & { code?: string }) =>
      reject(
        new CliError('CLI_ERR_METRICS_LISTEN', `--metrics-port ${port}: ${error.code ?? error.message}`, {
          cause: error,
        }),
      ),
    )
    server.listen(port, host, () => resolve())
  })
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
