import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { intOption, paintFor, parseOptions, type Command } from '../command-io.js'
import { loadConfig } from '../config/load-config.js'
import { parseYaml } from '../config/yaml-source.js'
import { CliError } from '../errors.js'
import { formatDuration, parseDuration } from '../duration.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import { CLI_DEFAULTS } from '../options.js'
import { criteriaSchema, type Criteria } from './criteria-schema.js'
import { toJunit } from './junit.js'
import { runCriteria, type ValidationReport } from './run-criteria.js'
import { runUntilPass } from './until-pass.js'
import { renderReport } from './validate-view.js'
import { terminalSafeIo } from '../terminal-text.js'

/** Exit codes of `tarmac validate`. */
export const VALIDATE_EXIT_CODES = Object.freeze({
  passed: EXIT_CODES.ok,
  gateFailed: EXIT_CODES.failed,
  invalid: EXIT_CODES.usage,
  internal: EXIT_CODES.internal,
  interrupted: EXIT_CODES.interrupted,
})

/** `--until-pass` defaults: give up after 4 h, an attempt a minute. */
export const VALIDATE_UNTIL_PASS = Object.freeze({ timeoutMs: 4 * 3_600_000, intervalMs: 60_000 })

/** The criteria file that ships with the CLI (packages/cli/criteria/default.yaml). */
export const DEFAULT_CRITERIA_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../criteria/default.yaml',
)

export const VALIDATE_HELP = `tarmac validate — check success criteria, with a pass-rate gate

Runs every check of a criteria file and says objectively whether the system is fixed.
Check types: http (status, JSON-path conditions, response time), startup-phase (a phase's
duration from /health/startup), db-connect (connection establishment, from
/health/infrastructure or a direct Postgres probe), chat (sign up a throwaway user, send a
message over the WebSocket, receive the streamed reply). "Consistently" means N samples
with a percentile bound (samples, percentile, maxMs). Each failure is named, classified
(TCP_REFUSED, HTTP_STATUS, OVER_BOUND…) and attributed to the application or the
infrastructure.

Usage: tarmac validate [options]

Options:
  -f, --criteria FILE    criteria YAML (default: the shipped criteria — health endpoints 200,
                         DB connection p95 < 30 s over 5 samples, database phase < 30 s,
                         chat round trip, pass rate ≥ 0.8)
  -c, --config FILE      tarmac.yaml naming services and dependencies (default ./tarmac.yaml,
                         else the local stack)
      --threshold R      pass rate required, 0..1 (default: the file's, else ${CLI_DEFAULTS.validate.threshold})
      --samples N        override every check's sample count
      --json             print the report as JSON
      --junit FILE       also write the report as JUnit XML to FILE
      --until-pass       run the gate again until it passes (progress on stderr: the attempt,
                         what failed, when the next try is); the report is the last attempt's
      --timeout DUR      with --until-pass: give up after DUR (default ${formatDuration(VALIDATE_UNTIL_PASS.timeoutMs)}; 500ms, 60s, 15m, 4h)
      --interval DUR     with --until-pass: from one attempt's start to the next (default ${formatDuration(VALIDATE_UNTIL_PASS.intervalMs)})
  -h, --help             this help

An interrupted run (Ctrl-C, SIGTERM) never passes: it exits 130 and names the checks that never
ran (in --json: interrupted, notRun; in --junit: skipped).

Example:
  tarmac validate --junit validate.xml
  tarmac validate -f criteria.yaml -c tarmac.yaml --json | jq .passRate
  tarmac validate --until-pass --timeout 4h --interval 60s   # after a deploy: wait for the fix

${exitCodesHelp({
  ok: 'the gate passed: pass rate ≥ threshold and every critical check passed',
  failed: 'the gate failed (with --until-pass: it had not passed when --timeout ran out)',
  usage: 'invalid usage, config or criteria file (errors point at the line)',
  interrupted: 'interrupted (Ctrl-C or SIGTERM): no verdict; the checks that never ran are named',
})}`

const OPTIONS = {
  criteria: { type: 'string', short: 'f' },
  config: { type: 'string', short: 'c' },
  threshold: { type: 'string' },
  samples: { type: 'string' },
  json: { type: 'boolean' },
  junit: { type: 'string' },
  'until-pass': { type: 'boolean' },
  timeout: { type: 'string' },
  interval: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Reads and validates a criteria file (`CLI_ERR_CRITERIA_INVALID`, pointing at the line). */
export function loadCriteria(file: string | undefined, cwd: string, env: NodeJS.ProcessEnv): Criteria {
  const path = file === undefined ? DEFAULT_CRITERIA_FILE : resolve(cwd, file)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new CliError('CLI_ERR_CONFIG_NOT_FOUND', `criteria file not found: ${file ?? path}`, {
      cause: error,
    })
  }
  return parseYaml(text, file ?? 'criteria/default.yaml', criteriaSchema, 'CLI_ERR_CRITERIA_INVALID', env)
}

/** `tarmac validate`. */
export const validateCommand: Command = async (argv, rawIo) => {
  // The print boundary: text services and the collector sent never reaches the terminal as control sequences.
  const io = terminalSafeIo(rawIo)
  const { values } = parseOptions(argv, OPTIONS)
  if (values.help) {
    io.stdout.write(VALIDATE_HELP)
    return VALIDATE_EXIT_CODES.passed
  }
  let criteria = loadCriteria(values.criteria, io.cwd, io.env)
  const { config } = loadConfig(values.config, io.cwd, io.env)
  if (values.threshold !== undefined) {
    const threshold = Number(values.threshold)
    if (!(threshold >= 0 && threshold <= 1))
      throw new CliError('CLI_ERR_USAGE', `--threshold must be 0..1, got "${values.threshold}"`)
    criteria = { ...criteria, threshold }
  }
  if (values.samples !== undefined) {
    const samples = intOption(values.samples, 'samples', 1)
    criteria = {
      ...criteria,
      categories: criteria.categories.map((c) => ({
        ...c,
        checks: c.checks.map((check) => ({ ...check, samples })),
      })),
    }
  }
  const paint = paintFor(io, 'stderr')
  const runOnce = (signal: AbortSignal | undefined) =>
    runCriteria(
      criteria,
      { config, env: io.env },
      {
        ...(signal && { signal }),
        onCheck: (c) => {
          if (!values.json)
            io.stderr.write(`${c.passed ? paint('green', '✓') : paint('red', '✗')} ${c.category}/${c.name}\n`)
        },
      },
    )
  const timing = untilPassTiming(values)
  if (timing === undefined) {
    const report = await runOnce(io.signal)
    await output(report, values, io)
    if (report.interrupted) {
      io.stderr.write(`tarmac validate: interrupted; never ran: ${report.notRun.join(', ') || '(none)'}\n`)
      return VALIDATE_EXIT_CODES.interrupted
    }
    return report.passed ? VALIDATE_EXIT_CODES.passed : VALIDATE_EXIT_CODES.gateFailed
  }
  let current = 0
  let notRun: string[] = []
  const result = await runUntilPass({
    ...timing,
    ...(io.signal && { signal: io.signal }),
    run: async (signal) => {
      current++
      io.stderr.write(`tarmac validate: attempt ${current}\n`)
      const report = await runOnce(signal)
      notRun = report.notRun
      return report
    },
    onAttempt: ({ attempt, report, nextInMs, remainingMs }) => {
      const passed = report.checks.filter((c) => c.passed).length
      const failing = report.checks.filter((c) => !c.passed).map((c) => `${c.category}/${c.name}`)
      const verdict = report.passed ? paint('green', 'passed') : paint('red', 'failed')
      const next =
        nextInMs === null
          ? ''
          : `; next try in ${formatDuration(nextInMs)} (${formatDuration(remainingMs)} left)`
      const why = failing.length > 0 ? `; failing: ${failing.join(', ')}` : ''
      io.stderr.write(
        `tarmac validate: attempt ${attempt} ${verdict} (${passed}/${report.checks.length} checks)${why}${next}\n`,
      )
    },
  })
  if (result.report) await output(result.report, values, io)
  const after = `after ${result.attempts} attempt(s) in ${formatDuration(result.durationMs)}`
  switch (result.outcome) {
    case 'passed':
      io.stderr.write(`tarmac validate: the gate passed ${after}\n`)
      return VALIDATE_EXIT_CODES.passed
    case 'timeout':
      io.stderr.write(
        `tarmac validate: the gate had not passed when --timeout ${formatDuration(timing.timeoutMs)} ran out (${after})\n`,
      )
      return VALIDATE_EXIT_CODES.gateFailed
    case 'interrupted':
      io.stderr.write(
        `tarmac validate: interrupted during attempt ${result.attempts}; never ran: ${notRun.join(', ') || '(none)'}\n`,
      )
      return VALIDATE_EXIT_CODES.interrupted
  }
}

/** `--timeout` and `--interval` go with `--until-pass` only; undefined without it. */
function untilPassTiming(values: {
  'until-pass'?: boolean
  timeout?: string
  interval?: string
}): { timeoutMs: number; intervalMs: number } | undefined {
  if (!values['until-pass']) {
    if (values.timeout !== undefined || values.interval !== undefined)
      throw new CliError('CLI_ERR_USAGE', '--timeout and --interval go with --until-pass')
    return undefined
  }
  const timeoutMs =
    values.timeout === undefined ? VALIDATE_UNTIL_PASS.timeoutMs : parseDuration(values.timeout, 'timeout')
  const intervalMs =
    values.interval === undefined
      ? VALIDATE_UNTIL_PASS.intervalMs
      : parseDuration(values.interval, 'interval')
  if (timeoutMs <= 0 || intervalMs <= 0)
    throw new CliError('CLI_ERR_USAGE', '--timeout and --interval must be more than 0')
  return { timeoutMs, intervalMs }
}

/** The report: a table (or JSON) on stdout, JUnit to a file. */
async function output(
  report: ValidationReport,
  values: { json?: boolean; junit?: string },
  io: Parameters<Command>[1],
): Promise<void> {
  if (values.junit !== undefined) await writeFile(resolve(io.cwd, values.junit), toJunit(report))
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, paintFor(io)))
}
