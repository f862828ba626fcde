/** What a monitor-scale run records (results.json) and the README tables rendered from it. */
import { markdownTable, only, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'

type Percentiles = { readonly p50: number | null; readonly p95: number | null; readonly p99?: number | null }

/** What tarmac-monitor.ts prints: the monitor's own account of a run (scheduler only, or with probeHttp). */
export interface MonitorRun {
  readonly targets: number
  readonly durationMs: number
  readonly expectedChecks: number
  readonly completed: number
  readonly ok: number
  readonly failed: number
  readonly untrusted: number
  readonly missedDeadlines: number
  readonly skippedOverlaps: number
  readonly lagP50Ms: number
  readonly lagP99Ms: number
  readonly lagMaxMs: number
  readonly cpuPercentOfOneCore: number
  readonly rssPeakMiB: number
  readonly probesPerCpuSecond: number
  readonly phasesMs?: Readonly<Record<string, Percentiles>>
}

/** The target servers' CPU during one side's run, per server, as a share of one core. */
export interface TargetServersCpu {
  readonly cpuPercentOfOneCore: readonly number[]
}

export interface MonitorScaleResult {
  /** `--version`'s first line (runs of unknown provenance name it in `machine.blackbox`). */
  readonly blackboxVersion?: string
  readonly concurrency: number
  /** Where the monitor's code came from: packages' `dist/` (what `tarmac monitor` runs) or `src/` via tsx. */
  readonly from?: 'dist' | 'source'
  readonly targetServers?: { readonly tarmac: TargetServersCpu; readonly blackbox: TargetServersCpu }
  readonly schedulerOnly: MonitorRun
  readonly tarmac: MonitorRun
  readonly blackbox: {
    readonly completed: number
    readonly ok: number
    readonly failed: number
    readonly cpuPercentOfOneCore: number
    readonly rssPeakMiB: number
    readonly probesPerCpuSecond: number
    readonly probeDurationMs: Percentiles
    readonly driverLagP99Ms: number
    readonly driverMissedDeadlines?: number
  }
  /** Tarmac's probes per CPU-second ÷ blackbox_exporter's. */
  readonly ratio: number
}

const n = (value: number) => Math.round(value).toLocaleString('en-US')
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`

export const tables = {
  /** The scheduler alone, Tarmac's monitor and blackbox_exporter, figure by figure. */
  probes: (runs: readonly Run<MonitorScaleResult>[]) => {
    const { result } = only(runs, 'probes')
    const { schedulerOnly: s, tarmac: t, blackbox: b } = result
    const expected = Math.round((t.targets * t.durationMs) / 1000)
    const phase = (name: string) => t.phasesMs?.[name]
    const lag = (r: MonitorRun) => `${n(r.lagP50Ms)} / ${n(r.lagP99Ms)} / ${n(r.lagMaxMs)} ms`
    const servers = (cpu: TargetServersCpu | undefined) =>
      cpu ? cpu.cpuPercentOfOneCore.map((percent) => `${percent.toFixed(0)} %`).join(' + ') : '–'
    const source = result.from === undefined ? 'tsx (sources)' : result.from === 'dist' ? 'dist/' : 'sources'
    return [
      `${n(t.targets)} targets at a 1 s interval; Tarmac ${t.durationMs / 1000} s from ${source}, the scheduler alone ${s.durationMs / 1000} s; monitor concurrency ${result.concurrency}; ${result.blackboxVersion ?? 'blackbox_exporter'}. Probes per CPU-second, Tarmac ÷ blackbox_exporter: **${result.ratio.toFixed(2)}×**.`,
      '',
      markdownTable(
        ['', 'scheduler only', 'Tarmac monitor (probeHttp)', 'blackbox_exporter'],
        [
          [
            'checks due / completed',
            `${n(s.expectedChecks)} / ${n(s.completed)}`,
            `${n(t.expectedChecks)} / ${n(t.completed)} (${n(t.ok)} ok)`,
            `${n(expected)} / ${n(b.completed)} (${n(b.ok)} ok)`,
          ],
          ['scheduler lag p50 / p99 / max', lag(s), lag(t), `(driver p99 ${n(b.driverLagP99Ms)} ms)`],
          [
            'missed deadlines (late > 250 ms, or skipped)',
            `${n(s.missedDeadlines)}`,
            `${n(t.missedDeadlines)} (${pct(t.missedDeadlines, t.expectedChecks)}; ${n(t.skippedOverlaps)} skipped overlaps)`,
            b.driverMissedDeadlines === undefined ? '–' : `(driver ${n(b.driverMissedDeadlines)})`,
          ],
          ['results flagged untrusted', n(s.untrusted), n(t.untrusted), '–'],
          [
            'CPU (share of one core)',
            `${s.cpuPercentOfOneCore.toFixed(1)} %`,
            `${t.cpuPercentOfOneCore.toFixed(1)} %`,
            `${b.cpuPercentOfOneCore.toFixed(1)} %`,
          ],
          [
            'target servers CPU (each, of one core)',
            '–',
            servers(result.targetServers?.tarmac),
            servers(result.targetServers?.blackbox),
          ],
          ['peak RSS', `${n(s.rssPeakMiB)} MiB`, `${n(t.rssPeakMiB)} MiB`, `${n(b.rssPeakMiB)} MiB`],
          [
            '**probes per CPU-second**',
            `(${n(s.probesPerCpuSecond)} no-op)`,
            `**${n(t.probesPerCpuSecond)}**`,
            `**${n(b.probesPerCpuSecond)}**`,
          ],
          [
            'probe time p50 / p95',
            '–',
            `${phase('total')?.p50 ?? '–'} / ${phase('total')?.p95 ?? '–'} ms (tcp p95 ${phase('tcp')?.p95 ?? '–'}, ttfb p95 ${phase('ttfb')?.p95 ?? '–'})`,
            `${n(b.probeDurationMs.p50 ?? NaN)} / ${n(b.probeDurationMs.p95 ?? NaN)} ms`,
          ],
        ],
        [1, 2, 3],
      ),
    ].join('\n')
  },
} satisfies BenchTables
