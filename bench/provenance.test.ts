import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { commandLine, shellQuote, startRun } from './provenance.js'
import { markdownTable, origin, renderReadme, type BenchTables } from './readme-tables.js'
import {
  isNoisy,
  provenanceProblems,
  resultsProblems,
  type Provenance,
  type ResultsFile,
  type Run,
} from './results-file.js'

describe('a run records its provenance (bench/provenance.ts)', () => {
  let scratch: string | undefined
  afterEach(() => scratch && rmSync(scratch, { recursive: true, force: true }))

  it('writes the argv, commit, machine, load and dates into --out, and replaces a run of the same label', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'bench-provenance-'))
    const out = join(scratch, 'results.json')
    const lines: string[] = []
    const log = (line: string) => lines.push(line)
    await startRun({ bench: 'example', label: 'a', out, log }).finish({ figure: 1 })
    await startRun({ bench: 'example', label: 'b', out, log }).finish({ figure: 2 })
    const last = await startRun({ bench: 'example', label: 'a', out, log }).finish({ figure: 3 })

    const file = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile<{ figure: number }>
    expect(resultsProblems(file, 'example')).toEqual([])
    expect(file.runs.map((run) => [run.label, run.result.figure])).toEqual([
      ['a', 3],
      ['b', 2],
    ])
    const provenance = last.provenance as Provenance
    expect(provenance.commit).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim())
    expect(provenance.argv).toEqual(process.argv)
    expect(provenance.execArgv).toEqual(process.execArgv)
    expect(provenance.machine.cpuCount).toBe(cpus().length)
    expect(provenance.machine.node).toBe(process.version)
    expect(provenance.noisy).toBe(isNoisy(provenance.loadAverage.atStart, provenance.loadAverage.atEnd))
    expect(Date.parse(provenance.finishedAt)).toBeGreaterThanOrEqual(Date.parse(provenance.startedAt))
    expect(lines.filter((line) => line.startsWith('run "'))).toEqual([
      `run "a" written to ${out}${provenance.noisy ? ' — NOISY' : ''}`,
      `run "b" written to ${out}${provenance.noisy ? ' — NOISY' : ''}`,
      `run "a" written to ${out}${provenance.noisy ? ' — NOISY' : ''}`,
    ])
    if (provenance.noisy)
      expect(lines.some((line) => line.startsWith('WARNING: the 1-minute load average'))).toBe(true)
  })

  it('refuses a label of the legacy runs, or one a marker could not name', () => {
    expect(() => startRun({ bench: 'example', label: 'legacy-x', out: '/nonexistent/r.json' })).toThrow(
      /legacy-/,
    )
    expect(() => startRun({ bench: 'example', label: 'a,b', out: '/nonexistent/r.json' })).toThrow(/--label/)
  })

  it('refuses to write into a results file of another bench', () => {
    scratch = mkdtempSync(join(tmpdir(), 'bench-provenance-'))
    const out = join(scratch, 'results.json')
    writeFileSync(out, JSON.stringify({ bench: 'chat', runs: [] }))
    expect(() => startRun({ bench: 'example', out })).toThrow(/bench is "chat"/)
  })

  it('marks a run noisy when the 1-minute load average is above 2 at its start or its end', () => {
    expect(isNoisy([1.9, 5, 5], [2, 5, 5])).toBe(false)
    expect(isNoisy([2.1, 0, 0], [0.5, 0, 0])).toBe(true)
    expect(isNoisy([0.5, 0, 0], [2.01, 0, 0])).toBe(true)
  })

  it('writes the command that repeats the run: tsx loader flags dropped, words quoted, variables in front', () => {
    const execArgv = [
      '--require',
      '/repo/node_modules/tsx/dist/preflight.cjs',
      '--import',
      'file:///repo/node_modules/tsx/dist/loader.mjs',
      '--conditions=@tarmac/source',
    ]
    const argv = [
      '/usr/bin/node',
      'bench/cold-start/run.ts',
      '--node',
      '/opt/node 24/bin/node',
      '--label',
      'node24',
    ]
    expect(commandLine({ PGBENCH: '/usr/bin/pgbench' }, execArgv, argv)).toBe(
      "PGBENCH=/usr/bin/pgbench npx tsx --conditions=@tarmac/source bench/cold-start/run.ts --node '/opt/node 24/bin/node' --label node24",
    )
    expect(shellQuote("it's")).toBe(`'it'\\''s'`)
  })
})

describe('what the checks reject', () => {
  const known = (): Record<string, unknown> => ({
    command: 'npx tsx bench/x/run.ts',
    execArgv: [],
    argv: ['/usr/bin/node', '/repo/bench/x/run.ts'],
    environment: {},
    commit: 'a'.repeat(40),
    dirty: false,
    dirtyPaths: [],
    machine: {
      cpuModel: 'AMD EPYC',
      cpuCount: 2,
      totalMemoryMiB: 24105,
      node: 'v20.20.2',
      os: 'Linux 6 x64',
    },
    loadAverage: { atStart: [0.5, 0.4, 0.3], atEnd: [2.5, 1, 0.5] },
    noisy: true,
    startedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: '2026-12-01T10:01:00.000Z',
  })

  it('a run without a commit, or with a noisy flag its load average contradicts', () => {
    expect(provenanceProblems(known())).toEqual([])
    expect(provenanceProblems({ ...known(), commit: 'HEAD' })).toEqual([
      'provenance.commit is missing or malformed',
    ])
    expect(provenanceProblems({ ...known(), noisy: false })).toEqual([
      'provenance.noisy (the load average says true) is missing or malformed',
    ])
    expect(provenanceProblems(undefined)).toEqual(['provenance is missing'])
  })

  it('figures without provenance, unless marked "unknown (before <commit>)" under a legacy- label', () => {
    const file = (runs: unknown[]) => ({ bench: 'x', runs })
    expect(resultsProblems(file([{ label: 'a', result: {} }]), 'x')).toEqual([
      'run "a": provenance is missing',
    ])
    expect(
      resultsProblems(file([{ label: 'legacy-a', provenance: 'unknown (before 3098620)', result: {} }]), 'x'),
    ).toEqual([])
    expect(
      resultsProblems(file([{ label: 'a', provenance: 'unknown (before 3098620)', result: {} }]), 'x'),
    ).toEqual(['run "a": a "legacy-" label, and only it, goes with unknown provenance'])
    expect(
      resultsProblems(
        file([{ label: 'legacy-a', provenance: 'measured on a quiet machine', result: {} }]),
        'x',
      ),
    ).toEqual([
      'run "legacy-a": provenance "measured on a quiet machine" is neither a record nor "unknown (before <commit>)"',
    ])
    expect(
      resultsProblems(
        file([
          { label: 'a', provenance: known(), result: {} },
          { label: 'a', provenance: known(), result: {} },
        ]),
        'x',
      ),
    ).toEqual(['run "a": label used twice'])
  })
})

describe('README markers (bench/readme-tables.ts)', () => {
  let scratch: string | undefined
  afterEach(() => scratch && rmSync(scratch, { recursive: true, force: true }))

  const run = (label: string, figure: number, provenance: Run['provenance']): Run<{ figure: number }> => ({
    label,
    provenance,
    result: { figure },
  })
  const tables = {
    compare: (runs: readonly Run<{ figure: number }>[]) =>
      markdownTable(
        ['run', 'figure'],
        runs.map((r) => [r.label, r.result.figure]),
      ),
  } satisfies BenchTables

  function benchWith(readme: string, runs: readonly Run[]): string {
    scratch = mkdtempSync(join(tmpdir(), 'bench-tables-'))
    const folder = join(scratch, 'example')
    mkdirSync(folder)
    writeFileSync(join(folder, 'results.json'), JSON.stringify({ bench: 'example', runs }))
    writeFileSync(join(folder, 'README.md'), readme)
    return join(folder, 'README.md')
  }

  it('renders a labelled pair of runs between the markers, each named with where it comes from', async () => {
    const noisy: Provenance = {
      command: 'npx tsx bench/example/run.ts --label after',
      execArgv: [],
      argv: ['/usr/bin/node', 'bench/example/run.ts'],
      environment: {},
      commit: 'b'.repeat(40),
      dirty: true,
      dirtyPaths: ['bench/example/run.ts'],
      machine: { cpuModel: 'AMD EPYC', cpuCount: 2, totalMemoryMiB: 24576, node: 'v24.1.0', os: 'Linux' },
      loadAverage: { atStart: [3.2, 1, 1], atEnd: [1, 1, 1] },
      noisy: true,
      startedAt: '2026-12-01T10:00:00.000Z',
      finishedAt: '2026-12-01T10:01:00.000Z',
    }
    const readme = benchWith(
      [
        '# example',
        '',
        '<!-- bench-table:begin table=compare file=results.json runs=legacy-before,after -->',
        'stale text',
        '<!-- bench-table:end -->',
        '',
        'after the table',
        '',
      ].join('\n'),
      [run('legacy-before', 1, 'unknown (before 3098620)'), run('after', 2, noisy)],
    )
    const rendered = await renderReadme(readme, tables)
    expect(rendered).not.toContain('stale text')
    expect(rendered).toContain('- run `legacy-before`: **provenance unknown (before 3098620)**.')
    expect(rendered).toContain(
      '- run `after`: 2026-12-01 10:00 UTC, commit `bbbbbbb` with uncommitted changes, 2 × AMD EPYC, 24 GiB, the bench on Node v24.1.0, load 3.2 → 1 — **noisy',
    )
    expect(rendered).toContain('| after         | 2      |')
    expect(rendered.endsWith('<!-- bench-table:end -->\n\nafter the table\n')).toBe(true)
    // Rendering is stable: a rendered README renders to itself.
    writeFileSync(readme, rendered)
    expect(await renderReadme(readme, tables)).toBe(rendered)
    expect(origin(run('after', 2, noisy))).toContain('`npx tsx bench/example/run.ts --label after`')
  })

  it('fails, naming the labels there are, when a marker names a run the results file lacks', async () => {
    const readme = benchWith(
      '<!-- bench-table:begin table=compare file=results.json runs=before,after -->\n<!-- bench-table:end -->\n',
      [run('legacy-before', 1, 'unknown (before 3098620)')],
    )
    await expect(renderReadme(readme, tables)).rejects.toThrow(/has no run "before" \(it has legacy-before\)/)
  })

  it('fails on a marker that names no table its bench has', async () => {
    const readme = benchWith(
      '<!-- bench-table:begin table=nope file=results.json runs=legacy-before -->\n<!-- bench-table:end -->\n',
      [run('legacy-before', 1, 'unknown (before 3098620)')],
    )
    await expect(renderReadme(readme, tables)).rejects.toThrow(/no table "nope"/)
  })
})
