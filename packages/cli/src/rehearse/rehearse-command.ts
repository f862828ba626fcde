import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { intOption, paintFor, parseOptionsAndNames, type Command, type CommandIo } from '../command-io.js'
import { renderVerdict } from '../diagnose/diagnose-view.js'
import { renderHandoff } from '../diagnose/handoff.js'
import { CliError } from '../errors.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import { renderTable } from '../style.js'
import { findRoot } from '../up/up-command.js'
import { startRehearsalStack, type RehearsalStack } from './rehearsal-stack.js'
import { rehearseScenario, type RehearsalResult } from './rehearse-scenario.js'
import { SCENARIOS, type Scenario } from './scenarios.js'
import { MATRIX } from './fault-matrix.js'
import { runMatrixCommand } from './matrix-command.js'
import { MATRIX_TARGET_SHARE } from './matrix-run.js'

/** Exit codes of `tarmac rehearse`. */
export const REHEARSE_EXIT_CODES = Object.freeze({
  allNamed: EXIT_CODES.ok,
  missed: EXIT_CODES.failed,
  usage: EXIT_CODES.usage,
  failed: EXIT_CODES.internal,
  interrupted: EXIT_CODES.interrupted,
})

export const REHEARSE_HELP = `tarmac rehearse — inject a named fault, run diagnose, check it names it

Starts a private PostgreSQL (from the installed server tools), auth on its own database, the
frontend as the cold-start collector, then for each scenario a backend whose path to the
database carries the fault — most of them through @tarmac/connector, the model of a slow,
capacity-limited VPC connector — and runs diagnose against it. It prints whether the verdict
named the injected domain and layer, and whether the injection took effect (each scenario's
backend must end as the fault dictates: ready, or exited); with one scenario, diagnose's whole
verdict first. A scenario passes only when both hold.

Usage: tarmac rehearse <scenario>... [options]
       tarmac rehearse --all [options]
       tarmac rehearse --matrix [--inject] [--json]

Scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(28)} ${s.expected.domain}/${s.expected.layer}\n  ${''.padEnd(28)} ${s.description}`).join('\n')}

Options:
      --all              every scenario, then a table; exits 1 on any miss or injection
                         that did not take effect
      --matrix           the labelled fault matrix: ${MATRIX.length} scenarios (one fault, two at once,
                         none) with their expected domain and layer, each scenario's evidence
                         through diagnose's model; prints a confusion table and the share named
                         right; exits 1 under ${MATRIX_TARGET_SHARE * 100} % or on a healthy verdict for a fault
      --inject           with --matrix: also inject each scenario above for real and count it
      --json             print the results as JSON
      --handoff FILE     write the diagnose handoff (one scenario only)
      --backends N       start N backends at once per scenario, 1–8 (default 1): a fleet
                         cold-starting through the same fault, all diagnosed together
      --source           run the services from source through tsx (no build needed)
  -h, --help             this help

Needs: the PostgreSQL server tools (apt-get install -y postgresql) and built services
(npm run build), or --source.

Example:
  tarmac rehearse connector-at-capacity --handoff handoff.md
  tarmac rehearse --all
  tarmac rehearse connector-at-capacity --backends 4

${exitCodesHelp({
  ok: 'every verdict named the injected domain and layer, and every injection took effect',
  failed: 'at least one scenario was missed, or its injection did not take effect',
  usage: 'invalid usage (an unknown scenario)',
  internal:
    'the rehearsal itself could not run (no server tools, a service that would not start, a fault that could not be set up)',
  interrupted: 'interrupted (Ctrl-C or SIGTERM): the scenarios that never ran are named',
})}`

const OPTIONS = {
  all: { type: 'boolean' },
  matrix: { type: 'boolean' },
  inject: { type: 'boolean' },
  json: { type: 'boolean' },
  handoff: { type: 'string' },
  source: { type: 'boolean' },
  backends: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The most backends one scenario starts at once (each is a Node process on this machine). */
const MAX_BACKENDS = 8

export type { RehearsalResult }

/** A scenario passes when its injection took effect and diagnose named it. */
export const passed = (result: RehearsalResult): boolean => result.named && result.injected

/** The line a scenario ends with on stderr: the verdict, and whether the injection took effect. */
export function resultLine(
  result: RehearsalResult,
  paint: (colour: 'green' | 'red', text: string) => string,
): string {
  const verdict = `${result.verdict.domain}/${result.verdict.layer} (${result.verdict.confidence})`
  const named = `${result.named ? paint('green', '✓ named') : paint('red', '✗ missed')} ${verdict}`
  return result.injected
    ? named
    : `${named}\n  ${paint('red', '✗ the injection did not take effect:')} backend ${result.backend}; this scenario fails`
}

/** Exit code of a finished rehearsal: 0 when every scenario passed (named, and its injection took effect). */
export function rehearsalExitCode(results: readonly RehearsalResult[]): number {
  return results.every(passed) ? REHEARSE_EXIT_CODES.allNamed : REHEARSE_EXIT_CODES.missed
}

function pickScenarios(names: readonly string[], all: boolean): Scenario[] {
  if (all) return [...SCENARIOS]
  if (names.length === 0)
    throw new CliError('CLI_ERR_USAGE', 'name a scenario, or --all (tarmac rehearse --help lists them)')
  return names.map((name) => {
    const scenario = SCENARIOS.find((s) => s.name === name)
    if (!scenario)
      throw new CliError(
        'CLI_ERR_USAGE',
        `unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
      )
    return scenario
  })
}

/** `tarmac rehearse`. */
export const rehearseCommand: Command = async (argv, io) => {
  const { values, positionals } = parseOptionsAndNames(argv, OPTIONS)
  if (values.help) {
    io.stdout.write(REHEARSE_HELP)
    return REHEARSE_EXIT_CODES.allNamed
  }
  if (values.matrix)
    return runMatrixCommand(io, {
      inject: values.inject ?? false,
      json: values.json ?? false,
      fromSource: values.source ?? false,
    })
  if (values.inject) throw new CliError('CLI_ERR_USAGE', '--inject goes with --matrix')
  const handoffFile = values.handoff
  const scenarios = pickScenarios(positionals, values.all ?? false)
  if (handoffFile !== undefined && scenarios.length !== 1)
    throw new CliError('CLI_ERR_USAGE', '--handoff writes one scenario’s handoff: name exactly one scenario')
  const backends = intOption(values.backends, '--backends', 1)
  if (backends > MAX_BACKENDS)
    throw new CliError('CLI_ERR_USAGE', `--backends must be at most ${MAX_BACKENDS}, got ${backends}`)
  return runRehearsal(scenarios, {
    io,
    backends,
    json: values.json ?? false,
    fromSource: values.source ?? false,
    handoffFile,
  })
}

/** Runs `scenarios` on one rehearsal stack, prints each result and the table; resolves with the exit code. */
export async function runRehearsal(
  scenarios: readonly Scenario[],
  options: {
    io: CommandIo
    json: boolean
    fromSource: boolean
    handoffFile: string | undefined
    backends: number
  },
): Promise<number> {
  const { io } = options
  const paint = paintFor(io, 'stderr')
  let stack: RehearsalStack
  try {
    io.stderr.write('starting the rehearsal stack: private PostgreSQL, auth, frontend (collector)…\n')
    stack = await startRehearsalStack({ root: findRoot(io.cwd), fromSource: options.fromSource })
  } catch (error) {
    io.stderr.write(
      `tarmac rehearse: the rehearsal could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    return REHEARSE_EXIT_CODES.failed
  }
  const results: RehearsalResult[] = []
  try {
    for (const scenario of scenarios) {
      if (io.signal?.aborted) break
      io.stderr.write(`${scenario.name}: ${scenario.description}… `)
      let rehearsed: Awaited<ReturnType<typeof rehearseScenario>>
      try {
        rehearsed = await rehearseScenario(stack, scenario, options.backends)
      } catch (error) {
        io.stderr.write(
          `\ntarmac rehearse: ${scenario.name}: the fault could not be injected: ${error instanceof Error ? error.message : String(error)}\n`,
        )
        return REHEARSE_EXIT_CODES.failed
      }
      const { result, verdict, at } = rehearsed
      results.push(result)
      io.stderr.write(`${resultLine(result, paint)}\n`)
      // One scenario: show what diagnose said, as an operator would see it.
      if (scenarios.length === 1 && !options.json)
        io.stdout.write(
          renderVerdict(verdict, `tarmac diagnose — ${at} (tarmac rehearse ${scenario.name})`, paintFor(io)),
        )
      if (options.handoffFile !== undefined)
        await writeFile(
          resolve(io.cwd, options.handoffFile),
          renderHandoff(verdict, { at, config: `tarmac rehearse ${scenario.name}` }),
        )
    }
  } finally {
    await stack.stop()
  }
  if (io.signal?.aborted) {
    const notRun = scenarios.slice(results.length).map((s) => s.name)
    io.stderr.write(`tarmac rehearse: interrupted; never ran: ${notRun.join(', ') || '(none)'}\n`)
    return REHEARSE_EXIT_CODES.interrupted
  }
  if (options.json) io.stdout.write(`${JSON.stringify({ results }, null, 2)}\n`)
  else
    io.stdout.write(
      `${renderTable(
        ['scenario', 'injected', 'verdict', 'confidence', 'named', 'backend', 'time'],
        results.map((r) => [
          r.scenario,
          `${r.expected.domain}/${r.expected.layer}`,
          `${r.verdict.domain}/${r.verdict.layer}`,
          r.verdict.confidence,
          r.named ? 'yes' : 'NO',
          r.injected ? r.backend : `${r.backend}: NOT INJECTED`,
          `${(r.durationMs / 1000).toFixed(1)} s`,
        ]),
      )}\n${results.filter((r) => r.named).length}/${results.length} named${notInjectedNote(results)}\n`,
    )
  return rehearsalExitCode(results)
}

/** `; 1 injection did not take effect (database-at-max-connections)`, or nothing. */
function notInjectedNote(results: readonly RehearsalResult[]): string {
  const missed = results.filter((r) => !r.injected).map((r) => r.scenario)
  if (missed.length === 0) return ''
  return `; ${missed.length} injection${missed.length === 1 ? '' : 's'} did not take effect (${missed.join(', ')})`
}
