/** What a chat run records (results.json) and the README tables rendered from it. */
import { markdownTable, only, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'

export interface CpuShares {
  readonly backendPct: number
  readonly generatorPct: number
  readonly postgresPct: number
}

interface Percentiles {
  readonly p50: number
  readonly p99: number
  readonly max?: number
}

export interface Latencies {
  readonly sent: number
  readonly acked: number
  readonly completed: number
  readonly failed: number
  readonly ackMs: Percentiles
  readonly runCompletionMs: Percentiles
}

export interface OpenLoopStep extends Latencies {
  readonly offeredPerSecond: number
  readonly generatorLagMsP99: number
  readonly cpu: CpuShares
  readonly sustained: boolean
}

/** One run; the closed loop's fields or the open loop's (`steps`), by `mode`. */
export interface ChatResult extends Partial<Latencies> {
  /** Absent in runs of unknown provenance from before the open loop (they are closed loops). */
  readonly mode?: 'closed' | 'open' | 'sweep'
  readonly from?: 'dist' | 'source'
  /** `--backend-dist`: another build's bundle (an A/B run), when not services/backend/dist. */
  readonly backendDist?: string
  readonly clients: number
  readonly poolMax?: number
  readonly connectMs: Percentiles
  readonly messagesPerClient?: number
  readonly pauseMs?: number
  readonly messagesPerSecond?: number
  /** Closed loop: the same run's insert ceiling (`insert-ceiling.ts`), and Tarmac's messages/s ÷ its. */
  readonly ceiling?: {
    readonly statementsPerMessage: number
    readonly completed: number
    readonly messagesPerSecond: number
    readonly cpu: CpuShares
  }
  readonly shareOfCeiling?: number
  /** The closed loop's CPU shares (a string naming the machine in runs of unknown provenance). */
  readonly cpu?: CpuShares | string
  readonly durationSPerStep?: number
  readonly sloRunCompletionP99Ms?: number
  readonly steps?: readonly OpenLoopStep[]
  readonly maxSustainedPerSecond?: number
  readonly backendRssMb: { readonly idle: number; readonly peak: number }
  readonly errors: Readonly<Record<string, number>>
  readonly unexpectedCloses: number
}

const pair = (p: Percentiles | undefined) => (p ? `${p.p50} / ${p.p99}` : '—')
const shares = (cpu: CpuShares | string | undefined) =>
  cpu && typeof cpu === 'object' ? `${cpu.backendPct} / ${cpu.generatorPct} / ${cpu.postgresPct} %` : '—'
const n = (value: number) => value.toLocaleString('en-US')

/** The figures of a run's measured phase: the closed loop's, or the first open-loop step's. */
function row(run: Run<ChatResult>): (string | number)[] {
  const r = run.result
  const rss = `${r.backendRssMb.idle} → ${r.backendRssMb.peak} MB`
  const step = r.steps?.[0]
  if (r.mode === 'open' || r.mode === 'sweep') {
    const what =
      r.mode === 'open'
        ? `open, ${n(r.clients)} clients, ${n(step!.offeredPerSecond)}/s`
        : `sweep, ${n(r.clients)} clients: max sustained ${n(r.maxSustainedPerSecond ?? 0)}/s; first step:`
    return [
      `\`${run.label}\``,
      what,
      pair(step?.ackMs),
      pair(step?.runCompletionMs),
      `${n(step!.offeredPerSecond)} offered`,
      '—',
      shares(step?.cpu),
      rss,
    ]
  }
  const what = `closed, ${n(r.clients)} clients × ${r.messagesPerClient ?? '?'}`
  return [
    `\`${run.label}\``,
    what,
    pair(r.ackMs),
    pair(r.runCompletionMs),
    r.messagesPerSecond === undefined ? '—' : n(r.messagesPerSecond),
    r.ceiling ? `${n(r.ceiling.messagesPerSecond)} · ${r.shareOfCeiling} ×` : '—',
    shares(r.cpu),
    rss,
  ]
}

export const tables = {
  /** One row per run, in the marker's order: a run, or runs side by side (before / after). */
  runs: (runs: readonly Run<ChatResult>[]) =>
    markdownTable(
      [
        'run',
        'what',
        'ack p50 / p99 (ms)',
        'run completion p50 / p99 (ms)',
        'messages/s',
        'insert ceiling/s · Tarmac ÷ it',
        'CPU backend / generator / Postgres',
        'backend RSS idle → peak',
      ],
      runs.map(row),
    ),
  /** A sweep's steps. */
  sweep: (runs: readonly Run<ChatResult>[]) => {
    const { result } = only(runs, 'sweep')
    const steps = result.steps
    if (!steps) throw new Error('table sweep shows an open-loop run (--mode sweep or open)')
    return [
      `${n(result.clients)} clients, ${result.durationSPerStep} s per rate, SLO run completion p99 ≤ ${result.sloRunCompletionP99Ms} ms: **maximum sustained ${n(result.maxSustainedPerSecond ?? 0)} messages/s**.`,
      '',
      markdownTable(
        [
          'offered/s',
          'answered',
          'ack p50 / p99 (ms)',
          'run p50 / p99 (ms)',
          'CPU backend / generator / Postgres',
          'sustained',
        ],
        steps.map((s) => [
          n(s.offeredPerSecond),
          `${n(s.completed)} / ${n(s.sent)}`,
          pair(s.ackMs),
          pair(s.runCompletionMs),
          shares(s.cpu),
          s.sustained ? 'yes' : 'no',
        ]),
      ),
    ].join('\n')
  },
} satisfies BenchTables
