/** The defaults of every command, with units in the names. */
export const CLI_DEFAULTS = Object.freeze({
  configFile: 'tarmac.yaml',
  monitor: Object.freeze({
    intervalMs: 5_000,
    timeoutMs: 2_000,
    concurrency: 64,
    /** A target is down when at least `failures` of its last `window` trusted results failed. */
    failures: 3,
    window: 5,
    /** A result measured while the scheduler was this late (or later) is flagged untrusted. */
    lagBoundMs: 250,
    /** Latency percentiles and uptime are computed over this many recent results. */
    historySize: 100,
    /** The `--history` file is compacted (uptime buckets, transitions, recent results) past this size. */
    historyMaxBytes: 8 * 1_048_576,
    /** A `tls` target whose certificate has fewer whole days left than this is degraded (a warning). */
    tlsMinDaysLeft: 14,
  }),
  validate: Object.freeze({
    threshold: 0.8,
    samples: 1,
    percentile: 95,
    timeoutMs: 10_000,
    sampleIntervalMs: 200,
  }),
  up: Object.freeze({
    dataDir: '.tarmac/pgdata',
    startupTimeoutMs: 180_000,
    stopTimeoutMs: 15_000,
    pollIntervalMs: 250,
  }),
})

/** The local stack, what `tarmac` targets without a config file (ports from the design's contracts). */
export const LOCAL_STACK = Object.freeze({
  backend: 'http://127.0.0.1:8000',
  auth: 'http://127.0.0.1:8001',
  frontend: 'http://127.0.0.1:3000',
})
