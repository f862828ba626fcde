import { Monitor, parseConfig, percentileOf, targetsOf, type CheckResult } from '@tarmac/cli'

// The Tarmac side: `tarmac monitor`'s Monitor (scheduler, windows, probeHttp with phase timings) on every
// target for DURATION_MS at INTERVAL_MS, in its own process so its CPU is its own. `@tarmac/cli` resolves to
// packages/cli/dist unless run with --conditions=@tarmac/source. Prints a start line, then one JSON document.
const urls = JSON.parse(process.env.TARGETS!) as string[]
const durationMs = Number(process.env.DURATION_MS ?? 60_000)
const intervalMs = Number(process.env.INTERVAL_MS ?? 1_000)
const dependencies = Object.fromEntries(urls.map((url, i) => [`t${i}`, { type: 'http', url }]))
const config = parseConfig(
  JSON.stringify({
    dependencies,
    monitor: {
      intervalMs,
      timeoutMs: intervalMs,
      concurrency: Number(process.env.CONCURRENCY ?? 1_000),
      failures: 3,
      window: 5,
      lagBoundMs: 250,
    },
  }),
)
const phases: Record<string, number[]> = { dns: [], tcp: [], ttfb: [], transfer: [], total: [] }
let ok = 0
let failed = 0
let untrusted = 0
const classes: Record<string, number> = {}
const monitor = new Monitor({
  targets: targetsOf(config),
  concurrency: config.monitor.concurrency,
  failures: config.monitor.failures,
  window: config.monitor.window,
  lagBoundMs: config.monitor.lagBoundMs,
  // NOOP=1: the scheduler, windows and bookkeeping alone, with a check that does no I/O.
  ...(process.env.NOOP === '1' && {
    run: async (target, info) => ({
      target: target.id,
      at: new Date().toISOString(),
      state: 'pass' as const,
      latencyMs: 0,
      phases: {},
      lagMs: info.lagMs,
      trusted: true,
    }),
  }),
  onResult: (result: CheckResult) => {
    if (!result.trusted) untrusted++
    if (result.state === 'pass') ok++
    else {
      failed++
      classes[result.errorClass ?? '?'] = (classes[result.errorClass ?? '?'] ?? 0) + 1
    }
    for (const [phase, ms] of Object.entries(result.phases ?? {})) phases[phase]?.push(ms)
    phases.total!.push(result.latencyMs)
  },
})
let rssPeakBytes = 0
const rssTimer = setInterval(() => (rssPeakBytes = Math.max(rssPeakBytes, process.memoryUsage().rss)), 500)
const cpuBefore = process.cpuUsage()
monitor.start()
// The parent reads the target servers' CPU from this line to the result's.
process.stdout.write('{"started":true}\n')
await new Promise((resolve) => setTimeout(resolve, durationMs))
await monitor.stop()
const cpu = process.cpuUsage(cpuBefore)
clearInterval(rssTimer)
const scheduler = monitor.snapshot().scheduler
const cpuSeconds = (cpu.user + cpu.system) / 1e6
const summary = (values: number[]) => ({
  p50: percentileOf(values, 50),
  p95: percentileOf(values, 95),
  p99: percentileOf(values, 99),
})
process.stdout.write(
  `${JSON.stringify({
    targets: urls.length,
    durationMs,
    intervalMs,
    expectedChecks: Math.floor((urls.length * durationMs) / intervalMs),
    completed: scheduler.completed,
    ok,
    failed,
    classes,
    untrusted,
    missedDeadlines: scheduler.missedDeadlines,
    skippedOverlaps: scheduler.skippedOverlaps,
    lagP50Ms: scheduler.lagP50Ms,
    lagP99Ms: scheduler.lagP99Ms,
    lagMaxMs: scheduler.lagMaxMs,
    cpuUserS: cpu.user / 1e6,
    cpuSystemS: cpu.system / 1e6,
    cpuSeconds,
    cpuPercentOfOneCore: (100 * cpuSeconds) / (durationMs / 1000),
    rssPeakMiB: rssPeakBytes / 1048576,
    probesPerCpuSecond: scheduler.completed / cpuSeconds,
    phasesMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, summary(v)])),
  })}\n`,
)
