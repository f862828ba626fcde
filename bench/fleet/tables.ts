/** What a fleet run records (results.json) and the README tables rendered from it. */
import { markdownTable, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'

interface Percentiles {
  readonly p50: number
  readonly p99: number
  readonly max: number
}

export interface FleetLatencies {
  readonly messages: number
  /** From each message's due time to its first `message.ack` / its `run.completed` (after resends, if any). */
  readonly ackMs: Percentiles
  readonly runMs: Percentiles
}

export interface FleetResult {
  readonly backends: number
  readonly clients: number
  /** false: the clients connect to the backends directly, not through frontends. */
  readonly viaFrontends: boolean
  /** The backends ran `dist/main.js` (the production bundle) or their sources through tsx. */
  readonly from: 'dist' | 'source'
  readonly offeredPerSecond: number
  readonly durationS: number
  /** How long one assistant run streams (the slow provider's pace). */
  readonly runDurationMs: number
  readonly killedAfterS: number
  /** Messages of the killed backend's clients without a reply when it was killed. */
  readonly inFlightOnKilled: number
  readonly sent: number
  readonly acked: number
  readonly neverAcked: number
  /** Acknowledged, yet not in Postgres. */
  readonly ackedLost: number
  /** User messages with more than one stored reply, plus clients told of two different replies to one message. */
  readonly duplicateReplies: number
  /** Acknowledged, and no reply stored once the drain ended. */
  readonly runsNeverCompleted: number
  /** A reply is stored, but the client never got its `run.completed` (it was published before the resend). */
  readonly repliesNotSeenByClient: number
  readonly failed: number
  readonly resends: number
  /** Sends again after a retryable refusal (`DEPENDENCY_UNAVAILABLE`, `TOO_MANY_RUNS`…), 1 s later. */
  readonly retries: number
  readonly reconnects: number
  readonly providerCalls: number
  readonly messagesWithExtraProviderCalls: number
  readonly all: FleetLatencies
  /** The messages in `inFlightOnKilled`: answered by a takeover. */
  readonly onKilledBackend: FleetLatencies
  readonly errors: Readonly<Record<string, number>>
}

const n = (value: number) => value.toLocaleString('en-US')
const pair = (p: Percentiles) => `${n(p.p50)} / ${n(p.p99)}`

export const tables = {
  /** What the kill cost: lost, duplicated, unanswered. */
  outcome: (runs: readonly Run<FleetResult>[]) =>
    markdownTable(
      [
        'run',
        'setup',
        'sent / acked',
        'acked lost',
        'duplicate replies',
        'runs never completed',
        'unanswered on the killed backend',
        'resends / retries',
        'extra provider calls',
      ],
      runs.map(({ label, result: r }) => [
        `\`${label}\``,
        `${r.backends} backends (${r.from}${r.viaFrontends ? ', via frontends' : ', direct'}), ${n(r.clients)} clients, ${n(r.offeredPerSecond)}/s for ${r.durationS} s, runs of ${n(r.runDurationMs)} ms, SIGKILL at ${r.killedAfterS} s`,
        `${n(r.sent)} / ${n(r.acked)}`,
        r.ackedLost,
        r.duplicateReplies,
        r.runsNeverCompleted,
        r.inFlightOnKilled,
        `${n(r.resends)} / ${n(r.retries)}`,
        `${n(r.providerCalls - r.sent)} (${n(r.messagesWithExtraProviderCalls)} messages)`,
      ]),
    ),
  /** Latencies from each message's due time: all messages, and those the killed backend left unanswered. */
  latency: (runs: readonly Run<FleetResult>[]) =>
    markdownTable(
      ['run', 'messages', 'ack p50 / p99 (ms)', 'run p50 / p99 (ms)', 'run max (ms)'],
      runs.flatMap(({ label, result: r }) => [
        [
          `\`${label}\``,
          `all ${n(r.all.messages)}`,
          pair(r.all.ackMs),
          pair(r.all.runMs),
          n(r.all.runMs.max),
        ],
        [
          `\`${label}\``,
          `${n(r.onKilledBackend.messages)} unanswered on the killed backend`,
          pair(r.onKilledBackend.ackMs),
          pair(r.onKilledBackend.runMs),
          n(r.onKilledBackend.runMs.max),
        ],
      ]),
    ),
} satisfies BenchTables
