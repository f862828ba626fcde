/** What a collector-flood run records (results.json) and the README table rendered from it. */
import { markdownTable, only, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'

export interface Latency {
  readonly samples: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export interface CollectorFloodResult {
  readonly settings: {
    readonly reports: number
    readonly concurrency: number
    readonly services: number
    readonly reportBytes: number
    readonly badCredentialPosts: number
    /** `memory` or `redis`. */
    readonly store: string
    /** `source` (tsx) or `dist`. */
    readonly entry: string
    /** The frontend's `--max-old-space-size`; null: Node's default. */
    readonly heapMiB: number | null
  }
  /** What the frontend answered the flood: status → count. */
  readonly statuses: Readonly<Record<string, number>>
  readonly badCredentialStatuses: Readonly<Record<string, number>>
  readonly rssMiB: { readonly ready: number; readonly peak: number; readonly end: number }
  /** The collector's documented bound on its own share, and the manifests' limit. */
  readonly boundMiB: { readonly collector: number; readonly manifestLimit: number }
  /** `GET /status/cold-starts` (with details) while the flood ran, and after it. */
  readonly statusDuringFlood: Latency
  readonly statusAfterFlood: Latency
  readonly floodSeconds: number
}

const mib = (value: number) => `${value.toFixed(1)} MiB`
const counts = (statuses: Readonly<Record<string, number>>) =>
  Object.entries(statuses)
    .map(([status, count]) => `${count} × ${status}`)
    .join(', ')

export const tables = {
  /** The flood: what was sent and answered, the frontend's RSS against the bound, the summary's latency. */
  flood: (runs: readonly Run<CollectorFloodResult>[]) => {
    const { result } = only(runs, 'flood')
    const s = result.settings
    const latency = (l: Latency) => `${l.p50Ms} / ${l.p99Ms} / ${l.maxMs} (${l.samples})`
    return [
      `${s.reports} reports of ${Math.round(s.reportBytes / 1024)} KiB (${s.services} services, ${s.concurrency} at once), ` +
        `then ${s.badCredentialPosts} bodies of 256 KiB with a bad credential; store ${s.store}, frontend from ${s.entry}, ` +
        `${s.heapMiB === null ? "Node's default heap" : `--max-old-space-size=${s.heapMiB}`}.`,
      '',
      markdownTable(
        ['figure', 'value'],
        [
          ['answers to the flood', counts(result.statuses)],
          ['answers to the bad credentials', counts(result.badCredentialStatuses)],
          [
            'frontend RSS: ready → peak → end',
            `${mib(result.rssMiB.ready)} → ${mib(result.rssMiB.peak)} → ${mib(result.rssMiB.end)}`,
          ],
          [
            'RSS growth (peak − ready) vs the collector bound',
            `${mib(result.rssMiB.peak - result.rssMiB.ready)} vs ${mib(result.boundMiB.collector)}`,
          ],
          [
            "peak RSS vs the manifests' limit",
            `${mib(result.rssMiB.peak)} vs ${mib(result.boundMiB.manifestLimit)}`,
          ],
          [
            '`GET /status/cold-starts` during the flood, p50 / p99 / max ms (samples)',
            latency(result.statusDuringFlood),
          ],
          [
            '`GET /status/cold-starts` after it, p50 / p99 / max ms (samples)',
            latency(result.statusAfterFlood),
          ],
          ['flood duration', `${result.floodSeconds} s`],
        ],
      ),
    ].join('\n')
  },
} satisfies BenchTables
