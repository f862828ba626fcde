import { processIo, type Command, type CommandIo } from './command-io.js'
import { deployCommand } from './deploy/deploy-command.js'
import { CliError, type CliErrorCode } from './errors.js'
import { diagnoseCommand } from './diagnose/diagnose-command.js'
import { rehearseCommand } from './rehearse/rehearse-command.js'
import { monitorCommand } from './monitor/monitor-command.js'
import { EXIT_CODES } from './exit-codes.js'
import { upCommand } from './up/up-command.js'
import { validateCommand } from './validate/validate-command.js'

export const MAIN_HELP = `tarmac — run, watch and validate the Tarmac stack

Usage: tarmac <command> [options]

Commands:
  up         start embedded Postgres, auth, backend (and frontend) with a live startup view
  monitor    live status of every service and dependency; --once for one sweep
  validate   check success criteria with a pass-rate gate (CI-friendly: --json, --junit)
  diagnose   application or infrastructure? a verdict (domain, layer, confidence) with evidence
  rehearse   inject a named fault (slow connector, database full, wrong password…) and check
             that diagnose names it
  deploy     check a deployment plan's budgets; render Kubernetes, Cloud Run and PgBouncer files;
             verify what runs against the plan; derive a service's collector credential

Each command has --help with its options, an example and its exit codes.
Configuration: ./tarmac.yaml or --config FILE; without one, the local stack
(backend :8000, auth :8001). Values may use $VAR, \${VAR} and \${VAR:-default}.

Exit codes, the same in every command (each --help says what 0 and 1 mean there):
  0    ok                       1    gate failed, target down, fault found
  2    usage or config error    3    tarmac itself failed (an unexpected error)
  130  interrupted (Ctrl-C or SIGTERM) before the command finished
`

/** Codes that do not mean "usage or config" (2): a service that exited, a platform tool that failed. */
const EXIT_BY_CODE: Partial<Record<CliErrorCode, number>> = {
  CLI_ERR_SERVICE_EXITED: EXIT_CODES.failed,
  CLI_ERR_PLATFORM_FAILED: EXIT_CODES.internal,
}

const COMMANDS: Readonly<Record<string, Command>> = {
  up: upCommand,
  monitor: monitorCommand,
  validate: validateCommand,
  diagnose: diagnoseCommand,
  rehearse: rehearseCommand,
  deploy: deployCommand,
}

/**
 * Runs `tarmac <argv>`; resolves with the exit code (`EXIT_CODES`). Usage and config errors print and give 2
 * (`EXIT_BY_CODE` names the few that do not); anything else unexpected rejects, and the binary exits 3.
 */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(MAIN_HELP)
    return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    io.stderr.write(`tarmac: unknown command "${name}"\n\n${MAIN_HELP}`)
    return EXIT_CODES.usage
  }
  try {
    return await command(rest, io)
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`tarmac ${name}: ${error.code}: ${error.message}\n`)
      return EXIT_BY_CODE[error.code] ?? EXIT_CODES.usage
    }
    throw error
  }
}
