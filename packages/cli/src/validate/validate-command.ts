import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { intOption, paintFor, parseOptions, type Command } from '../command-io.js'
import { loadConfig } from '../config/load-config.js'
import { parseYaml } from '../config/yaml-source.js'
import { CliError } from '../errors.js'
import { CLI_DEFAULTS } from '../options.js'
import { criteriaSchema, type Criteria } from './criteria-schema.js'
import { toJunit } from './junit.js'
import { runCriteria } from './run-criteria.js'
import { renderReport } from './validate-view.js'

/** Exit codes of `tarmac validate`. */
export const VALIDATE_EXIT_CODES = Object.freeze({ passed: 0, gateFailed: 1, invalid: 2 })

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
  -h, --help             this help

Example:
  tarmac validate --junit validate.xml
  tarmac validate -f criteria.yaml -c tarmac.yaml --json | jq .passRate

Exit codes:
  0  the gate passed: pass rate ≥ threshold and every critical check passed
  1  the gate failed
  2  invalid usage, config or criteria file (errors point at the line)
`

const OPTIONS = {
  criteria: { type: 'string', short: 'f' },
  config: { type: 'string', short: 'c' },
  threshold: { type: 'string' },
  samples: { type: 'string' },
  json: { type: 'boolean' },
  junit: { type: 'string' },
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
export const validateCommand: Command = async (argv, io) => {
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
  const report = await runCriteria(
    criteria,
    { config, env: io.env },
    {
      ...(io.signal && { signal: io.signal }),
      onCheck: (c) => {
        if (!values.json)
          io.stderr.write(`${c.passed ? paint('green', '✓') : paint('red', '✗')} ${c.category}/${c.name}\n`)
      },
    },
  )
  if (values.junit !== undefined) await writeFile(resolve(io.cwd, values.junit), toJunit(report))
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, paintFor(io)))
  return report.passed ? VALIDATE_EXIT_CODES.passed : VALIDATE_EXIT_CODES.gateFailed
}
