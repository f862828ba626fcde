import { resolve } from 'node:path'
import { intOption, paintFor, parseOptions, pause, type Command } from '../command-io.js'
import { loadConfig } from '../config/load-config.js'
import { CliError } from '../errors.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import { CLI_DEFAULTS } from '../options.js'
import { alerterFor } from './alert-setup.js'
import type { AlertEvent } from './alert-event.js'
import type { IncidentEvent } from './incident.js'
import { readColdStarts, renderColdStarts } from './cold-starts.js'
import { Monitor, type MonitorSnapshot } from './monitor.js'
import { createMonitorMetrics, serveMetrics, type MonitorMetrics } from './monitor-metrics.js'
import { targetsOf } from './monitor-targets.js'
import { renderSnapshot } from './monitor-view.js'

/** Exit codes of `tarmac monitor --once` (`EXIT_CODES`' values). */
export const MONITOR_EXIT_CODES = Object.freeze({
  allUp: EXIT_CODES.ok,
  down: EXIT_CODES.failed,
  usage: EXIT_CODES.usage,
  internal: EXIT_CODES.internal,
  starting: EXIT_CODES.starting,
  interrupted: EXIT_CODES.interrupted,
})

export const MONITOR_HELP = `tarmac monitor — live status of every service and dependency

Polls each service's health endpoints (live, ready, startup, infrastructure by default),
opens and authenticates a WebSocket for each service with an authService (the backend),
probes each dependency (Postgres: dns, tcp, auth, first query) and watches each TLS
certificate of certificates: (days left under minDaysLeft is a warning) on an interval, with
bounded concurrency and a deadline per check. Shows per target: status (starting is not
down; degraded is up but says part of it fails), latency p50/p95, uptime over 1 h / 24 h
/ 7 d, failures in the window, since when it is so, the service's startup phase, the last
error with its class, and whether the fault points at the application or the
infrastructure. Under the table, the cold starts the collector (the frontend) recorded per
service in the last 15 minutes.

A target is down when at least M of its last N trusted results failed (--window M/N).
A result measured while the monitor itself ran late (scheduler lag over --lag-bound) is
flagged untrusted and not counted.

Alerts: one alert per root cause, not one per target. The targets' changes (down,
recovered, degraded) are grouped into one incident, judged by diagnose's model on what the
monitor sees, and sent as one alert — opened, then updated (same id) as the picture
changes, then resolved when every target is back: --alert-webhook POSTs it (JSON: id,
status, severity, title, verdict with domain, layer, confidence, owner, evidence and a
handoff, the targets and what changed) and --alert-command runs with it on stdin and in
TARMAC_ALERT_* variables. Changes within alerts.groupWindowMs (default 10 s) of each other
are one message. At most --alert-limit changes per target count; none inside a maintenance
window of tarmac.yaml (still recorded in the history). Webhooks are retried with backoff.

Usage: tarmac monitor [options]

Options:
  -c, --config FILE        tarmac.yaml (default ./tarmac.yaml, else the local stack:
                           backend :8000, auth :8001, frontend :3000, DATABASE_URL if set)
      --once               one sweep of every target, then exit (see exit codes)
      --json               machine output: --once prints one JSON document; otherwise
                           one JSON line per check result
      --interval MS        check interval (default ${CLI_DEFAULTS.monitor.intervalMs})
      --timeout MS         per-check deadline (default ${CLI_DEFAULTS.monitor.timeoutMs}; capped at the interval)
      --concurrency N      checks in flight at most (default ${CLI_DEFAULTS.monitor.concurrency})
      --window M/N         down when M of the last N failed (default ${CLI_DEFAULTS.monitor.failures}/${CLI_DEFAULTS.monitor.window})
      --lag-bound MS       scheduler lateness beyond which results are untrusted (default ${CLI_DEFAULTS.monitor.lagBoundMs})
      --history FILE       keep every result, transition and alert in FILE (JSON lines),
                           read it back at start, compact it past ${CLI_DEFAULTS.monitor.historyMaxBytes / 1_048_576} MiB
      --alert-webhook URL  POST each alert message (opened, updated, resolved) as JSON to URL
      --alert-command CMD  run CMD (sh -c) for each alert message, the message on stdin
      --alert-limit N/DUR  at most N changes per target per DUR count (default 4/15m)
      --metrics-port PORT  serve Prometheus metrics at http://HOST:PORT/metrics
      --metrics-host HOST  the address to bind (default 127.0.0.1)
  -h, --help               this help

Example:
  tarmac monitor --once --json > status.json
  tarmac monitor --history monitor.jsonl --alert-webhook https://hooks.example/tarmac --metrics-port 9464

${exitCodesHelp({
  ok: '--once: every target up. Without --once: stopped by Ctrl-C or SIGTERM (its normal end)',
  failed: '--once: at least one target down',
  usage: 'invalid usage or config (also: the metrics port cannot be opened)',
  starting: '--once: none down, but some still starting or unknown',
  interrupted: '--once interrupted (Ctrl-C or SIGTERM) before its sweep finished',
})}`

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  once: { type: 'boolean' },
  json: { type: 'boolean' },
  interval: { type: 'string' },
  timeout: { type: 'string' },
  concurrency: { type: 'string' },
  window: { type: 'string' },
  'lag-bound': { type: 'string' },
  history: { type: 'string' },
  'alert-webhook': { type: 'string' },
  'alert-command': { type: 'string' },
  'alert-limit': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** `tarmac monitor`. */
export const monitorCommand: Command = async (argv, io) => {
  const { values } = parseOptions(argv, OPTIONS)
  if (values.help) {
    io.stdout.write(MONITOR_HELP)
    return 0
  }
  const { config } = loadConfig(values.config, io.cwd, io.env)
  const m = config.monitor
  const intervalMs = intOption(values.interval, 'interval', m.intervalMs)
  const timeoutMs = intOption(values.timeout, 'timeout', m.timeoutMs)
  const [failures, window] = parseWindow(values.window, m.failures, m.window)
  const targets = targetsOf({ ...config, monitor: { ...m, intervalMs, timeoutMs } }, io.env)
  if (targets.length === 0)
    throw new CliError('CLI_ERR_USAGE', 'nothing to monitor: the config names no services or dependencies')
  let metrics: MonitorMetrics | undefined
  const recorded: AlertEvent[] = []
  const incidents: IncidentEvent[] = []
  const alerter = alerterFor(
    config,
    { webhook: values['alert-webhook'], command: values['alert-command'], limit: values['alert-limit'] },
    io.env,
    {
      verdict: (affected) => monitor.incidentVerdict(affected),
      onEvent: (event) => {
        recorded.push(event)
        monitor.recordAlert(event)
        metrics?.observeAlert(event)
        // A change held back is worth a line; one that goes on is told in its incident's line.
        if (!values.json && event.disposition !== 'sent' && event.disposition !== 'unchanged')
          io.stderr.write(
            `tarmac monitor: ${event.target} ${event.from} → ${event.to}: not alerted (${event.disposition})\n`,
          )
      },
      onIncident: (event) => {
        incidents.push(event)
        monitor.recordIncident(event)
        metrics?.observeIncident(event)
        if (!values.json)
          io.stderr.write(`tarmac monitor: alert ${event.id} ${event.status}: ${event.title}\n`)
      },
      onDelivery: (event, outcome) => {
        metrics?.observeDelivery(outcome)
        if (!outcome.ok)
          io.stderr.write(
            `tarmac monitor: ${outcome.code ?? 'CLI_ERR_ALERT_WEBHOOK'}: alert ${event.id} ${event.status} not delivered by ${outcome.sink} after ${outcome.attempts} attempt(s): ${outcome.error ?? ''}\n`,
          )
      },
    },
  )
  const monitor = new Monitor({
    targets,
    concurrency: intOption(values.concurrency, 'concurrency', m.concurrency),
    failures,
    window,
    lagBoundMs: intOption(values['lag-bound'], 'lag-bound', m.lagBoundMs),
    historyFile: values.history === undefined ? undefined : resolve(io.cwd, values.history),
    alerter,
    onResult: (result) => {
      metrics?.observe(result)
      if (values.json && !values.once) io.stdout.write(`${JSON.stringify(result)}\n`)
    },
  })
  const metricsServer =
    values['metrics-port'] === undefined
      ? undefined
      : await serveMetrics(
          (metrics = createMonitorMetrics(monitor)),
          intOption(values['metrics-port'], 'metrics-port', 0, 0),
          values['metrics-host'],
        ).catch(async (error: unknown) => {
          await monitor.stop()
          throw error
        })
  if (metricsServer && !values.json) io.stderr.write(`tarmac monitor: metrics at ${metricsServer.url}\n`)
  const paint = paintFor(io)
  try {
    if (values.once) {
      const [snapshot, coldStarts] = await Promise.all([monitor.once(), readColdStarts(config, timeoutMs)])
      io.stdout.write(
        values.json
          ? `${JSON.stringify({ ...snapshot, alertEvents: recorded, incidents, coldStarts }, null, 2)}\n`
          : renderSnapshot(snapshot, paint, io.stdout.columns) + renderColdStarts(coldStarts, paint),
      )
      return io.signal?.aborted ? MONITOR_EXIT_CODES.interrupted : exitCodeOf(snapshot)
    }
    monitor.start()
    const live = io.stdout.isTTY === true && !values.json
    let coldStarts: Awaited<ReturnType<typeof readColdStarts>> = null
    let coldStartsAtMs = 0
    while (!io.signal?.aborted) {
      await pause(live ? 1_000 : intervalMs, io.signal)
      if (io.signal?.aborted || values.json) continue
      if (Date.now() - coldStartsAtMs >= intervalMs) {
        coldStartsAtMs = Date.now()
        coldStarts = await readColdStarts(config, timeoutMs)
      }
      const text =
        renderSnapshot(monitor.snapshot(), paint, io.stdout.columns) + renderColdStarts(coldStarts, paint)
      io.stdout.write(live ? `\x1b[H\x1b[2J${text}` : `${text}\n`)
    }
    await monitor.stop()
    return MONITOR_EXIT_CODES.allUp
  } finally {
    await metricsServer?.close()
  }
}

/** 0 all up, 1 any down, 4 none down but some starting or unknown. */
export function exitCodeOf(snapshot: MonitorSnapshot): number {
  const statuses = snapshot.targets.map((t) => t.status)
  if (statuses.includes('down')) return MONITOR_EXIT_CODES.down
  if (statuses.every((s) => s === 'up')) return MONITOR_EXIT_CODES.allUp
  return MONITOR_EXIT_CODES.starting
}

function parseWindow(text: string | undefined, failures: number, window: number): [number, number] {
  if (text === undefined) return [failures, window]
  const match = /^(\d+)\/(\d+)$/.exec(text)
  const m = Number(match?.[1])
  const n = Number(match?.[2])
  if (!match || m < 1 || n < m)
    throw new CliError('CLI_ERR_USAGE', `--window must be M/N with 1 ≤ M ≤ N, got "${text}"`)
  return [m, n]
}
