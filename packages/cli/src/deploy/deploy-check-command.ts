import { relative } from 'node:path'
import { paintFor, parseOptions, type Command } from '../command-io.js'
import { loadConfig } from '../config/load-config.js'
import { CliError } from '../errors.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import type { Paint } from '../style.js'
import { checkFleet, type FleetCheck } from './fleet-checks.js'
import type { FleetConfig } from './fleet-schema.js'
import type { RenderConfig } from './render-schema.js'
import { releaseCheck, resolveRelease } from './release.js'

export const DEPLOY_CHECK_HELP = `tarmac deploy check — refuse a deployment plan that cannot work

Reads the fleet: section of tarmac.yaml (the database, an optional PgBouncer and VPC
connector, and each service's instances, pool, deadlines and probe window) and checks that
the numbers hold together, before a platform finds out during a cold-start storm:

  connections        Σ (maxInstances + surgeInstances) × poolMax of direct services, plus the
                     pooler's server connections ≤ max_connections − reserved − held by others
  pooler clients     Σ instances × poolMax of pooled services ≤ the pooler's max_client_conn
  probe window       startupProbeWindowMs ≥ startupDeadlineMs + probeMarginMs (default 10000)
  connect attempts   connectAttempts (default 3) × connectTimeoutMs + backoff ≤ the deadline
  cold start         with connector.admissionsPerSecond: Σ maxInstances (one connection each
                     while starting) ÷ the rate ≤ the shortest startup deadline
  cloud-run          with platforms: [cloud-run]: the probe window ≤ 240 s, the stop budget
                     ≤ 10 s after SIGTERM, concurrency ≤ 1000
  image tag          with a deploy: section: the images are named by a release (--tag, else
                     deploy.tag, else git rev-parse --short HEAD), never \`latest\`

Each line prints the numbers; each failure its code and the fix.

Usage: tarmac deploy check [options]

Options:
  -c, --config FILE   the plan (default ./tarmac.yaml)
  -t, --tag TAG       the release the images will be named by (default: the commit)
      --json          print the checks as JSON: { fits, checks: [{ check, passed, code?, numbers, fix? }] }
  -h, --help          this help

Example:
  tarmac deploy check --config deploy/tarmac.yaml

  fleet:
    database: { maxConnections: 100, reserved: 3 }
    services:
      backend: { maxInstances: 20, poolMax: 10, startupDeadlineMs: 120000, startupProbeWindowMs: 240000 }

${exitCodesHelp({
  ok: 'the plan fits',
  failed: 'it does not (every problem is listed)',
  usage: 'invalid usage or config (no fleet: section, an unknown key, a bad value)',
})}`

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  tag: { type: 'string', short: 't' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The fleet of a config file; `CLI_ERR_CONFIG_INVALID` when it has none. */
export function loadFleet(
  file: string | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
): { fleet: FleetConfig; deploy: RenderConfig | undefined; source: string } {
  const { config, source } = loadConfig(file, cwd, env)
  if (!config.fleet)
    throw new CliError(
      'CLI_ERR_CONFIG_INVALID',
      `${source} has no fleet: section (see tarmac deploy check --help for its shape)`,
    )
  return { fleet: config.fleet, deploy: config.deploy, source }
}

/** `tarmac deploy check`. */
export const deployCheckCommand: Command = (argv, io) => {
  const { values } = parseOptions(argv, OPTIONS)
  if (values.help) {
    io.stdout.write(DEPLOY_CHECK_HELP)
    return Promise.resolve(EXIT_CODES.ok)
  }
  const { fleet, deploy, source } = loadFleet(values.config, io.cwd, io.env)
  const checks = checkFleet(fleet)
  // Images are a deploy: concern; a budgets-only plan names none.
  if (deploy !== undefined || values.tag !== undefined)
    checks.push(releaseCheck(resolveRelease(deploy, { tag: values.tag, cwd: io.cwd })))
  const fits = checks.every((check) => check.passed)
  if (values.json) io.stdout.write(`${JSON.stringify({ fits, checks }, null, 2)}\n`)
  else io.stdout.write(renderChecks(checks, relative(io.cwd, source) || source, paintFor(io)))
  return Promise.resolve(fits ? EXIT_CODES.ok : EXIT_CODES.failed)
}

function renderChecks(checks: readonly FleetCheck[], source: string, paint: Paint): string {
  const width = Math.max(...checks.map((c) => c.check.length))
  const lines = [`tarmac deploy check: ${source}`, '']
  for (const check of checks) {
    const result = check.passed ? paint('green', 'ok  ') : paint('red', 'FAIL')
    lines.push(`${result}  ${check.check.padEnd(width)}  ${check.numbers}`)
    if (!check.passed)
      lines.push(`${' '.repeat(width + 8)}${paint('yellow', `fix: ${check.fix}`)}  [${check.code}]`)
  }
  const failed = checks.filter((c) => !c.passed).length
  lines.push(
    '',
    failed === 0
      ? paint('green', `the plan fits: ${checks.length} checks passed`)
      : paint('red', `the plan does not fit: ${failed} of ${checks.length} checks failed`),
    '',
  )
  return lines.join('\n')
}
