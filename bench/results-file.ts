/**
 * A bench's results file (`bench/<name>/results.json`): every run its script wrote, each under a label and with
 * the provenance that says where its figures come from. Written only by the bench's script (bench/provenance.ts);
 * read by the README table renderer (bench/readme-tables.ts) and checked by bench/readme-tables.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs'

/** A 1-minute load average above this, at the start or the end of a run, makes the run noisy (2 cores here). */
export const NOISY_LOAD_AVERAGE = 2

/** A label: what a README marker names a run by. No spaces or commas (a marker lists labels with commas). */
export const LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/

/** Runs committed before provenance existed: `unknown (before <commit>)`, the commit that brought them in. */
export const UNKNOWN_PROVENANCE_PATTERN = /^unknown \(before [0-9a-f]{7,40}\)$/

/** Labels of the runs of unknown provenance start with this; a script never writes one. */
export const LEGACY_LABEL_PREFIX = 'legacy-'

export interface Machine {
  /** `os.cpus()[0].model`. */
  readonly cpuModel: string
  readonly cpuCount: number
  readonly totalMemoryMiB: number
  /** The Node version that ran the bench script (a bench that runs its subjects on another one records that too). */
  readonly node: string
  /** `os.type() os.release() os.arch()`. */
  readonly os: string
}

export interface Provenance {
  /** Run from the repository's root, this command repeats the run: the real argv, and the variables it reads. */
  readonly command: string
  /** `process.execArgv` and `process.argv` as they were. */
  readonly execArgv: readonly string[]
  readonly argv: readonly string[]
  /** The environment variables the bench reads that were set, as they were. */
  readonly environment: Readonly<Record<string, string>>
  /** `git rev-parse HEAD` at the start. */
  readonly commit: string
  /** Uncommitted changes at the start (results files aside); `dirtyPaths` names up to 20 of them. */
  readonly dirty: boolean
  readonly dirtyPaths: readonly string[]
  readonly machine: Machine
  /** `os.loadavg()`: 1, 5 and 15 minutes, at the start and at the end of the run. */
  readonly loadAverage: { readonly atStart: readonly number[]; readonly atEnd: readonly number[] }
  /** The 1-minute load average was above NOISY_LOAD_AVERAGE at the start or at the end: the figures are noise. */
  readonly noisy: boolean
  readonly startedAt: string
  readonly finishedAt: string
}

export interface Run<R = unknown> {
  readonly label: string
  /** A run of the committed script, or `unknown (before <commit>)` for figures committed before provenance. */
  readonly provenance: Provenance | string
  /** Runs of unknown provenance only: what is known about them. */
  readonly note?: string
  readonly result: R
}

export interface ResultsFile<R = unknown> {
  /** The bench's folder name. */
  readonly bench: string
  readonly runs: readonly Run<R>[]
}

export const isKnownProvenance = (provenance: Provenance | string): provenance is Provenance =>
  typeof provenance !== 'string'

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const isStringArray = (value: unknown): boolean =>
  Array.isArray(value) && value.every((v) => typeof v === 'string')
const isLoad = (value: unknown): boolean =>
  Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number' && v >= 0)
const isDate = (value: unknown): boolean => typeof value === 'string' && !Number.isNaN(Date.parse(value))

/** What is wrong with a run's provenance; empty when nothing is. */
export function provenanceProblems(provenance: unknown): string[] {
  if (typeof provenance === 'string')
    return UNKNOWN_PROVENANCE_PATTERN.test(provenance)
      ? []
      : [`provenance "${provenance}" is neither a record nor "unknown (before <commit>)"`]
  if (!isRecord(provenance)) return ['provenance is missing']
  const problems: string[] = []
  const need = (ok: boolean, what: string) => ok || problems.push(what)
  need(typeof provenance.command === 'string' && provenance.command.length > 0, 'provenance.command')
  need(isStringArray(provenance.execArgv), 'provenance.execArgv')
  need(isStringArray(provenance.argv) && (provenance.argv as string[]).length >= 2, 'provenance.argv')
  need(
    isRecord(provenance.environment) &&
      Object.values(provenance.environment).every((v) => typeof v === 'string'),
    'provenance.environment',
  )
  need(typeof provenance.commit === 'string' && /^[0-9a-f]{40}$/.test(provenance.commit), 'provenance.commit')
  need(typeof provenance.dirty === 'boolean', 'provenance.dirty')
  need(isStringArray(provenance.dirtyPaths), 'provenance.dirtyPaths')
  const machine = provenance.machine
  need(
    isRecord(machine) &&
      typeof machine.cpuModel === 'string' &&
      typeof machine.cpuCount === 'number' &&
      machine.cpuCount > 0 &&
      typeof machine.totalMemoryMiB === 'number' &&
      typeof machine.node === 'string' &&
      typeof machine.os === 'string',
    'provenance.machine',
  )
  const load = provenance.loadAverage
  need(isRecord(load) && isLoad(load.atStart) && isLoad(load.atEnd), 'provenance.loadAverage')
  if (isRecord(load) && isLoad(load.atStart) && isLoad(load.atEnd))
    need(
      provenance.noisy === isNoisy(load.atStart as number[], load.atEnd as number[]),
      `provenance.noisy (the load average says ${!provenance.noisy})`,
    )
  need(isDate(provenance.startedAt), 'provenance.startedAt')
  need(isDate(provenance.finishedAt), 'provenance.finishedAt')
  return problems.map((p) => (p.startsWith('provenance ') ? p : `${p} is missing or malformed`))
}

export const isNoisy = (atStart: readonly number[], atEnd: readonly number[]): boolean =>
  atStart[0]! > NOISY_LOAD_AVERAGE || atEnd[0]! > NOISY_LOAD_AVERAGE

/** What is wrong with a results file; empty when nothing is. */
export function resultsProblems(file: unknown, bench: string): string[] {
  if (!isRecord(file) || !Array.isArray(file.runs)) return ['not a results file: { bench, runs: [] }']
  const problems: string[] = []
  if (file.bench !== bench) problems.push(`bench is "${String(file.bench)}", not "${bench}"`)
  const labels = new Set<string>()
  file.runs.forEach((run: unknown, i) => {
    if (!isRecord(run)) return void problems.push(`runs[${i}] is not a record`)
    const label = typeof run.label === 'string' ? run.label : ''
    const where = `run ${label ? `"${label}"` : i}`
    if (!LABEL_PATTERN.test(label)) problems.push(`${where}: label must match ${String(LABEL_PATTERN)}`)
    if (labels.has(label)) problems.push(`${where}: label used twice`)
    labels.add(label)
    problems.push(...provenanceProblems(run.provenance).map((p) => `${where}: ${p}`))
    const legacy = label.startsWith(LEGACY_LABEL_PREFIX)
    if (legacy !== (typeof run.provenance === 'string'))
      problems.push(`${where}: a "${LEGACY_LABEL_PREFIX}" label, and only it, goes with unknown provenance`)
    if (run.note !== undefined && (!legacy || typeof run.note !== 'string'))
      problems.push(`${where}: a note belongs to a run of unknown provenance`)
    if (!('result' in run)) problems.push(`${where}: result is missing`)
  })
  return problems
}

/** The results file at `path`, checked; null when there is none yet. */
export function readResults<R = unknown>(path: string, bench: string): ResultsFile<R> | null {
  if (!existsSync(path)) return null
  const file = JSON.parse(readFileSync(path, 'utf8')) as unknown
  const problems = resultsProblems(file, bench)
  if (problems.length > 0) throw new Error(`${path} is not a valid results file:\n  ${problems.join('\n  ')}`)
  return file as ResultsFile<R>
}

/** The file with `run` in it: in the place of the run of the same label, else last. */
export function withRun<R>(file: ResultsFile<R> | null, bench: string, run: Run<R>): ResultsFile<R> {
  const runs = [...(file?.runs ?? [])]
  const at = runs.findIndex((r) => r.label === run.label)
  if (at >= 0) runs[at] = run
  else runs.push(run)
  return { bench, runs }
}
