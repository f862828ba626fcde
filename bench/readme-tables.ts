/**
 * A bench README's results tables, rendered from its results file between markers, so a README cannot show
 * figures its results file does not hold. A marker names the table (a renderer in the bench's `tables.ts`), the
 * results file (beside the README) and the labelled runs it shows — two or more for a comparison:
 *
 *   <!-- bench-table:begin table=ready file=results.json runs=node20,node24 -->
 *   …generated: the runs' provenance, then the table…
 *   <!-- bench-table:end -->
 *
 * `npm run bench:tables` rewrites every block; bench/readme-tables.test.ts fails when a README differs from
 * what its results render to.
 */
import { existsSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isKnownProvenance, readResults, type Run } from './results-file.js'

const BENCH_ROOT = fileURLToPath(new URL('.', import.meta.url))

/** Every bench folder (bench/<name>/, with a README.md), sorted. */
export function benchFolders(): string[] {
  return readdirSync(BENCH_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(BENCH_ROOT, entry.name, 'README.md')))
    .map((entry) => join(BENCH_ROOT, entry.name))
    .sort()
}

/** Renders the markdown (a table, or a few) for the runs a marker names, in its order. */
export type BenchTable = (runs: readonly Run<never>[]) => string
export type BenchTables = Readonly<Record<string, BenchTable>>

const BEGIN = /<!-- bench-table:begin ([^>]*?) ?-->/g
const END = '<!-- bench-table:end -->'
const GENERATED = '(generated: npm run bench:tables)'

export interface Marker {
  readonly table: string
  readonly file: string
  readonly runs: readonly string[]
}

/** `table=… file=… runs=a,b` from a begin marker's text. */
export function parseMarker(text: string): Marker {
  const fields = Object.fromEntries(
    text
      .replace(GENERATED, '')
      .trim()
      .split(/\s+/)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  ) as Record<string, string | undefined>
  const { table, file, runs } = fields
  if (!table || !file || !runs)
    throw new Error(
      `bench-table marker "${text}" needs table=<name> file=<results file> runs=<label>[,<label>…]`,
    )
  return { table, file, runs: runs.split(',') }
}

/** The README with every bench-table block rendered from the results files beside it. */
export async function renderReadme(readmePath: string, tables?: BenchTables): Promise<string> {
  const text = await readFile(readmePath, 'utf8')
  const folder = dirname(readmePath)
  const bench = folder.split(/[/\\]/).at(-1)!
  const renderers = tables ?? (await loadTables(folder))
  let out = ''
  let from = 0
  for (const match of text.matchAll(BEGIN)) {
    const end = text.indexOf(END, match.index)
    if (end < 0) throw new Error(`${readmePath}: "${match[0]}" has no ${END}`)
    const marker = parseMarker(match[1]!)
    const render = renderers[marker.table]
    if (!render)
      throw new Error(
        `${readmePath}: no table "${marker.table}" in its tables.ts (${Object.keys(renderers).join(', ')})`,
      )
    const file = readResults(join(folder, marker.file), bench)
    if (!file) throw new Error(`${readmePath}: ${marker.file} does not exist`)
    const runs = marker.runs.map(
      (label) =>
        file.runs.find((run) => run.label === label) ??
        fail(
          `${readmePath}: ${marker.file} has no run "${label}" (it has ${file.runs.map((r) => r.label).join(', ')})`,
        ),
    )
    out += text.slice(from, match.index)
    out += [
      `<!-- bench-table:begin table=${marker.table} file=${marker.file} runs=${marker.runs.join(',')} ${GENERATED} -->`,
      '<!-- prettier-ignore-start -->',
      caption(marker.file, runs),
      '',
      render(runs as Run<never>[]).trimEnd(),
      '<!-- prettier-ignore-end -->',
      END,
    ].join('\n')
    from = end + END.length
  }
  return out + text.slice(from)
}

async function loadTables(folder: string): Promise<BenchTables> {
  const module = (await import(pathToFileURL(join(folder, 'tables.ts')).href)) as { tables?: BenchTables }
  if (!module.tables) throw new Error(`${folder}/tables.ts exports no \`tables\``)
  return module.tables
}

function fail(message: string): never {
  throw new Error(message)
}

/** Which file and runs a table shows, and where each run comes from. */
export function caption(file: string, runs: readonly Run[]): string {
  if (runs.length === 1) return `From \`${file}\`, run \`${runs[0]!.label}\`: ${origin(runs[0]!)}`
  return [`From \`${file}\`:`, '', ...runs.map((run) => `- run \`${run.label}\`: ${origin(run)}`)].join('\n')
}

/** A run's provenance in one line. */
export function origin(run: Run): string {
  const p = run.provenance
  if (!isKnownProvenance(p)) return `**provenance ${p}**.${run.note ? ` ${run.note}` : ''}`
  const m = p.machine
  const when = `${p.startedAt.slice(0, 16).replace('T', ' ')} UTC`
  const commit = `commit \`${p.commit.slice(0, 7)}\`${p.dirty ? ' with uncommitted changes' : ''}`
  const machine = `${m.cpuCount} × ${m.cpuModel}, ${Math.round(m.totalMemoryMiB / 1024)} GiB, the bench on Node ${m.node}`
  const load = `load ${p.loadAverage.atStart[0]} → ${p.loadAverage.atEnd[0]}`
  const noisy = p.noisy ? ' — **noisy: load average above 2, the figures are noise**' : ''
  return `${when}, ${commit}, ${machine}, ${load}${noisy}; \`${p.command}\``
}

/** Exactly one run, for a table that shows one. */
export function only<R>(runs: readonly Run<R>[], table: string): Run<R> {
  if (runs.length !== 1) throw new Error(`table ${table} shows one run; the marker names ${runs.length}`)
  return runs[0]!
}

/** At least two runs, for a comparison. */
export function pair<R>(runs: readonly Run<R>[], table: string): readonly Run<R>[] {
  if (runs.length < 2) throw new Error(`table ${table} compares runs; the marker names ${runs.length}`)
  return runs
}

/** A markdown table with padded columns (it reads as a table in the source too). `right`: right-aligned columns. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  right: readonly number[] = [],
): string {
  const cells = rows.map((row) => row.map((cell) => String(cell).replace(/\|/g, '\\|')))
  const widths = header.map((h, i) => Math.max(h.length, 3, ...cells.map((row) => (row[i] ?? '').length)))
  const line = (row: readonly string[]) =>
    `| ${widths.map((w, i) => (right.includes(i) ? (row[i] ?? '').padStart(w) : (row[i] ?? '').padEnd(w))).join(' | ')} |`
  const rule = widths.map((w, i) => (right.includes(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)))
  return [line(header), line(rule), ...cells.map(line)].join('\n')
}
