import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { STARTUP_STATES } from '@tarmac/startup'
import { HEALTH_STATUSES } from './check.js'
import type { StartupLike } from './contribute.js'
import type { EventLoopMonitor } from './event-loop.js'
import type { HealthRegistry } from './registry.js'

export interface HealthMetricsOptions {
  readonly checks: HealthRegistry
  readonly startup?: StartupLike
  readonly eventLoop: EventLoopMonitor
  /** Defaults to a new registry: never prom-client's global one, so several services share a process safely. */
  readonly register?: Registry
}

/** Metrics of one health plugin: a registry of its own, the metrics, and the function that unsubscribes. */
export interface HealthMetrics {
  readonly register: Registry
  close(): void
}

const seconds = (ms: number) => ms / 1000
const POOL_KINDS = ['total', 'idle', 'waiting', 'max'] as const

/**
 * Startup phase and component durations, attempts and states; check status, duration and runs; pool and capacity
 * gauges; connect-phase histograms; event-loop lag. Startup and status gauges are read at scrape time; durations
 * are observed as checks finish. Nothing is computed per probe.
 */
export function createHealthMetrics(options: HealthMetricsOptions): HealthMetrics {
  const register = options.register ?? new Registry()
  const registers = [register]
  const { checks, startup, eventLoop } = options

  // Registered first: its collect fills every startup metric from one copy of the report before prom-client
  // reads the others (it reads metrics in registration order).
  new Gauge({
    name: 'tarmac_startup_state',
    help: 'Startup engine state: 1 for the current state',
    labelNames: ['state'],
    registers,
    collect() {
      for (const gauge of [phaseDuration, componentDuration, componentAttempts, componentState]) gauge.reset()
      if (!startup) return
      for (const state of STARTUP_STATES) this.set({ state }, startup.state === state ? 1 : 0)
      for (const phase of startup.report().phases) {
        if (phase.durationMs !== null) phaseDuration.set({ phase: phase.name }, seconds(phase.durationMs))
        for (const c of phase.components) {
          const labels = { component: c.name, phase: c.phase }
          componentState.set({ component: c.name, state: c.state }, 1)
          componentAttempts.set(labels, c.attempts)
          if (c.durationMs !== null) componentDuration.set(labels, seconds(c.durationMs))
        }
      }
    },
  })
  const phaseDuration = new Gauge({
    name: 'tarmac_startup_phase_duration_seconds',
    help: 'Duration of each startup phase',
    labelNames: ['phase'],
    registers,
  })
  const componentDuration = new Gauge({
    name: 'tarmac_startup_component_duration_seconds',
    help: 'Time from a component’s first attempt to started or given up',
    labelNames: ['component', 'phase'],
    registers,
  })
  const componentAttempts = new Gauge({
    name: 'tarmac_startup_component_attempts',
    help: 'Start attempts of each component, background retries included',
    labelNames: ['component', 'phase'],
    registers,
  })
  const componentState = new Gauge({
    name: 'tarmac_startup_component_state',
    help: 'Component state: 1 for the current state',
    labelNames: ['component', 'state'],
    registers,
  })
  new Gauge({
    name: 'tarmac_health_check_status',
    help: 'Effective check status (staleness applied): 1 for the current status',
    labelNames: ['check', 'status'],
    registers,
    collect() {
      this.reset()
      for (const { check, result } of checks.evaluate().checks)
        for (const status of HEALTH_STATUSES)
          this.set({ check: check.name, status }, result.status === status ? 1 : 0)
    },
  })
  const checkDuration = new Histogram({
    name: 'tarmac_health_check_duration_seconds',
    help: 'Duration of background check runs',
    labelNames: ['check'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  })
  const checkRuns = new Counter({
    name: 'tarmac_health_check_runs_total',
    help: 'Background check runs by outcome',
    labelNames: ['check', 'status'],
    registers,
  })
  const pool = new Gauge({
    name: 'tarmac_pool_connections',
    help: 'Connection pool figures reported by checks (total, idle, waiting, max)',
    labelNames: ['component', 'kind'],
    registers,
  })
  const capacity = new Gauge({
    name: 'tarmac_server_connections',
    help: 'Server connections in use and the server limit, as checks report them',
    labelNames: ['component', 'kind'],
    registers,
  })
  const connectPhase = new Histogram({
    name: 'tarmac_connect_phase_duration_seconds',
    help: 'Connection phase timings (dns, tcp, tls, auth, first query) measured by checks',
    labelNames: ['component', 'phase'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  })
  // Two gauges, named as prom-client's own `nodejs_eventloop_lag_p99_seconds` / `_max_seconds`: a `quantile`
  // label belongs to summaries only (promtool check metrics rejects it on a gauge), and a window's p99 and max
  // are not a summary (no `_sum`, no `_count`). Was `tarmac_event_loop_lag_seconds{quantile="0.99"|"1"}`.
  new Gauge({
    name: 'tarmac_event_loop_lag_p99_seconds',
    help: 'Event-loop lag: p99 delay of the last sample window',
    registers,
    collect() {
      this.set(seconds(eventLoop.lagMs))
    },
  })
  new Gauge({
    name: 'tarmac_event_loop_lag_max_seconds',
    help: 'Event-loop lag: largest delay of the last sample window',
    registers,
    collect() {
      this.set(seconds(eventLoop.maxLagMs))
    },
  })

  const off = checks.on((event) => {
    if (event.type !== 'result') return
    const { check, result } = event
    checkDuration.observe({ check: check.name }, seconds(result.durationMs))
    checkRuns.inc({ check: check.name, status: result.status })
    const details = result.details
    if (!details) return
    const component = check.component
    if (details.pool) for (const kind of POOL_KINDS) pool.set({ component, kind }, details.pool[kind])
    if (details.capacity) {
      capacity.set({ component, kind: 'in_use' }, details.capacity.inUse)
      if (details.capacity.max !== null) capacity.set({ component, kind: 'max' }, details.capacity.max)
    }
    if (details.timingsMs)
      for (const [phase, ms] of Object.entries(details.timingsMs))
        connectPhase.observe({ component, phase }, seconds(ms))
  })
  return { register, close: off }
}
