/**
 * Where a bench run's figures come from, recorded by the bench's own script: the command line that repeats it
 * (the real argv), the commit and whether the tree was dirty, the machine, the load average at the start and at
 * the end, the dates. A run's script calls `startRun` before it measures and `finish(result)` after; `finish`
 * writes the run into the results file under its label. See bench/README.md.
 *
 *   const { values } = parseArgs({ options: { runs: { type: 'string' }, ...RUN_OPTIONS } })
 *   const run = startRun({ bench: 'cold-start', label: values.label, out: values.out })
 *   …measure…
 *   await run.finish(result)
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { arch, cpus, loadavg, release, totalmem, type } from 'node:os'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  LABEL_PATTERN,
  LEGACY_LABEL_PREFIX,
  NOISY_LOAD_AVERAGE,
  isNoisy,
  readResults,
  withRun,
  type Machine,
  type Provenance,
  type Run,
} from './results-file.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MAX_DIRTY_PATHS = 20

/** The options every bench's script takes, for `parseArgs`. */
export const RUN_OPTIONS = {
  /** The run's name in the results file (a README marker names it); a run of the same label is replaced. */
  label: { type: 'string' },
  /** Where to write the results file (default `bench/<name>/results.json`): scratch runs go elsewhere. */
  out: { type: 'string' },
} as const

export interface StartRunOptions {
  /** The bench's folder name. */
  readonly bench: string
  /** Default: the start time, e.g. `2026-12-01T10:20:30Z`. */
  readonly label?: string | undefined
  /** Default: `bench/<bench>/results.json`. */
  readonly out?: string | undefined
  /** Environment variables the bench reads: those set are recorded and put in front of the command. */
  readonly environment?: readonly string[]
  /** Where the warnings and the "written" line go (default: stderr). */
  readonly log?: (line: string) => void
}

export interface BenchRun {
  readonly label: string
  /** Absolute path of the results file. */
  readonly out: string
  readonly startedAt: string
  /** Records the end (load average, date) and writes the run into the results file; returns it. */
  finish<R>(result: R): Promise<Run<R>>
}

const roundedLoad = () => loadavg().map((l) => Math.round(l * 100) / 100)

/** Starts recording a run: reads the commit, the machine and the load average now. */
export function startRun(options: StartRunOptions): BenchRun {
  const log = options.log ?? ((line: string) => process.stderr.write(`bench: ${line}\n`))
  const startedAt = new Date()
  const label = options.label ?? `${startedAt.toISOString().slice(0, 19)}Z`
  if (!LABEL_PATTERN.test(label)) throw new Error(`--label "${label}" must match ${String(LABEL_PATTERN)}`)
  if (label.startsWith(LEGACY_LABEL_PREFIX))
    throw new Error(`--label "${label}": "${LEGACY_LABEL_PREFIX}" names runs of unknown provenance`)
  const out = options.out ? resolve(options.out) : join(ROOT, 'bench', options.bench, 'results.json')
  // Read the results file now: a broken one fails before the measuring, not after.
  readResults(out, options.bench)
  const environment = Object.fromEntries(
    (options.environment ?? []).flatMap((name) => {
      const value = process.env[name]
      return value === undefined ? [] : [[name, value]]
    }),
  )
  const { commit, dirtyPaths } = gitState(out)
  const loadAtStart = roundedLoad()
  warnIfLoaded(log, 'start', loadAtStart)
  if (dirtyPaths.length > 0)
    log(
      `the tree has uncommitted changes (${dirtyPaths.slice(0, 3).join(', ')}${dirtyPaths.length > 3 ? ', …' : ''}): the run records commit ${commit.slice(0, 7)} as dirty`,
    )
  return {
    label,
    out,
    startedAt: startedAt.toISOString(),
    async finish<R>(result: R): Promise<Run<R>> {
      const loadAtEnd = roundedLoad()
      warnIfLoaded(log, 'end', loadAtEnd)
      const provenance: Provenance = {
        command: commandLine(environment),
        execArgv: [...process.execArgv],
        argv: [...process.argv],
        environment,
        commit,
        dirty: dirtyPaths.length > 0,
        dirtyPaths: dirtyPaths.slice(0, MAX_DIRTY_PATHS),
        machine: machine(),
        loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd },
        noisy: isNoisy(loadAtStart, loadAtEnd),
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
      }
      const run: Run<R> = { label, provenance, result }
      const file = withRun(readResults<R>(out, options.bench), options.bench, run)
      writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`)
      log(`run "${label}" written to ${out}${provenance.noisy ? ' — NOISY' : ''}`)
      return run
    },
  }
}

function warnIfLoaded(log: (line: string) => void, when: 'start' | 'end', load: readonly number[]): void {
  if (load[0]! > NOISY_LOAD_AVERAGE)
    log(
      `WARNING: the 1-minute load average is ${load[0]} at the ${when} (> ${NOISY_LOAD_AVERAGE}): this run is marked noisy; its figures are noise. Run benches alone on a quiet machine.`,
    )
}

function machine(): Machine {
  const all = cpus()
  return {
    cpuModel: all[0]?.model.trim() ?? 'unknown',
    cpuCount: all.length,
    totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    os: `${type()} ${release()} ${arch()}`,
  }
}

/** HEAD, and the paths `git status` reports, results files and the run's own output aside. */
function gitState(out: string): { commit: string; dirtyPaths: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' })
  let commit: string
  try {
    commit = git('rev-parse', 'HEAD').trim()
  } catch (error) {
    throw new Error('a bench runs in a git checkout: its results record the commit', { cause: error })
  }
  const ownOutput = relative(ROOT, out)
  const dirtyPaths = git('status', '--porcelain', '--untracked-files=normal')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3))
    .filter((path) => path !== ownOutput && !/^bench\/[^/]+\/results[^/]*\.json$/.test(path))
  return { commit, dirtyPaths }
}

/**
 * The command that repeats this run from the repository's root: `npx tsx`, the Node flags given to it (tsx's own
 * loader flags aside), the script and its arguments, with the recorded environment variables in front.
 */
export function commandLine(
  environment: Readonly<Record<string, string>> = {},
  execArgv: readonly string[] = process.execArgv,
  argv: readonly string[] = process.argv,
): string {
  const flags: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!
    const value = execArgv[i + 1]
    if ((flag === '--require' || flag === '--import') && value !== undefined && isTsxLoader(value)) i++
    else if (/^--(require|import)=/.test(flag) && isTsxLoader(flag.slice(flag.indexOf('=') + 1))) continue
    else flags.push(flag)
  }
  const script = argv[1] ?? ''
  return [
    ...Object.entries(environment).map(([name, value]) => `${name}=${shellQuote(value)}`),
    'npx',
    'tsx',
    ...flags,
    isAbsolute(script) ? relative(ROOT, script) : script,
    ...argv.slice(2),
  ]
    .map((word, i) => (i < Object.keys(environment).length ? word : shellQuote(word)))
    .join(' ')
}

const isTsxLoader = (specifier: string) => specifier === 'tsx' || /[/\\]tsx[/\\]/.test(specifier)

/** A word as a POSIX shell reads it back. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word
  return `'${word.replace(/'/g, `'\\''`)}'`
}
