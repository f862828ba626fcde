/** What an auth-login run records (results.json) and the README tables rendered from it. */
import { markdownTable, only, type BenchTables } from '../readme-tables.js'
import type { Run } from '../results-file.js'

export interface StartSeries {
  readonly target: string
  readonly samples: readonly {
    readonly wallMs: number
    readonly engineMs: number
    readonly phasesMs: Readonly<Record<string, number>>
  }[]
}

export interface LoginLoad {
  readonly title: string
  readonly connections: number
  readonly requests: number
  readonly requestsPerSecond: number
  readonly latencyMs: {
    readonly p50: number
    readonly p90: number
    readonly p99: number
    readonly max: number
  }
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
}

export interface AuthLoginResult {
  readonly entry: 'source' | 'dist'
  /** How the service was started (runs of unknown provenance lack it). */
  readonly entryCommand?: string
  readonly uvThreadpoolSize?: string
  readonly kdf: {
    readonly algorithm: string
    readonly memoryCostKib: number
    readonly timeCost: number
    readonly parallelism: number
  }
  /** Seconds per load run (runs of unknown provenance lack it: their command says 15). */
  readonly loadSeconds?: number
  readonly starts: readonly StartSeries[]
  readonly loads: readonly LoginLoad[]
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

/** Time to ready: medians of wall (spawn → ready) and of the startup engine and its phases. */
function starts(result: AuthLoginResult): string {
  const phase = (s: StartSeries, name: string) =>
    Math.round(median(s.samples.map((x) => x.phasesMs[name] ?? NaN)))
  return [
    `Entry \`${result.entry}\`${result.entryCommand ? ` (\`${result.entryCommand}\`)` : ''}; medians (ms).`,
    '',
    markdownTable(
      ['target', 'samples', 'wall', 'engine', 'init', 'database', 'keys', 'http'],
      result.starts.map((s) => [
        s.target,
        s.samples.length,
        median(s.samples.map((x) => x.wallMs)),
        median(s.samples.map((x) => x.engineMs)),
        phase(s, 'init'),
        phase(s, 'database'),
        phase(s, 'keys'),
        phase(s, 'http'),
      ]),
      [1, 2, 3, 4, 5, 6, 7],
    ),
  ].join('\n')
}

/** Login under autocannon, with the KDF. */
function loads(result: AuthLoginResult): string {
  const k = result.kdf
  return [
    `Entry \`${result.entry}\`; ${k.algorithm} m=${k.memoryCostKib} KiB, t=${k.timeCost}, p=${k.parallelism}${result.uvThreadpoolSize ? `; UV_THREADPOOL_SIZE ${result.uvThreadpoolSize}` : ''}${result.loadSeconds ? `; ${result.loadSeconds} s per load` : ''}.`,
    '',
    markdownTable(
      ['load', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'requests', 'non-2xx', 'errors'],
      result.loads.map((l) => [
        l.title,
        l.requestsPerSecond,
        l.latencyMs.p50,
        l.latencyMs.p90,
        l.latencyMs.p99,
        l.latencyMs.max,
        l.requests,
        l.non2xx,
        l.errors + l.timeouts,
      ]),
      [1, 2, 3, 4, 5, 6, 7, 8],
    ),
  ].join('\n')
}

export const tables = {
  /** One run: time to ready, then login under load. */
  summary: (runs: readonly Run<AuthLoginResult>[]) => {
    const { result } = only(runs, 'summary')
    return `${starts(result)}\n\n${loads(result)}`
  },
} satisfies BenchTables
