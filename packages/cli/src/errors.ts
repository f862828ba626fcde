import { defineFaults } from '@tarmac/faults'

/** Every code `tarmac` can fail with, with its fault domain and layer. */
export const CLI_FAULTS = defineFaults('tarmac', {
  CLI_ERR_USAGE: {
    domain: 'configuration',
    layer: 'client',
    meaning: 'an unknown option, a bad option value, or nothing to do',
    action: 'read `tarmac <command> --help`',
  },
  CLI_ERR_CONFIG_NOT_FOUND: {
    domain: 'configuration',
    layer: 'client',
    meaning: 'the `--config` or `--criteria` file does not exist',
    action: 'fix the path (without `--config`, a missing `./tarmac.yaml` is fine)',
  },
  CLI_ERR_CONFIG_INVALID: {
    domain: 'configuration',
    layer: 'client',
    meaning: '`tarmac.yaml` is not valid; every problem is listed as `file:line:column: path: message`',
    action: 'fix the lines named; set the environment variables it names',
  },
  CLI_ERR_CRITERIA_INVALID: {
    domain: 'configuration',
    layer: 'client',
    meaning: 'the criteria file is not valid (same format), or a check names neither service nor url',
    action: 'fix the lines named',
  },
  CLI_ERR_SERVICE_NOT_FOUND: {
    domain: 'configuration',
    layer: 'client',
    meaning: 'a check names a service or dependency the config does not have',
    action: 'add it to `tarmac.yaml`, or fix the name (the message lists the known ones)',
  },
  CLI_ERR_SERVICE_EXITED: {
    defers: true,
    domain: 'application',
    layer: 'process',
    meaning: '`tarmac up`: a service exited before its `/health/startup` answered 200',
    action: 'read its last log lines above: they name the phase, component, error, domain and layer',
  },
})

/** Every code `tarmac` can fail with: a closed list, each documented in the README. */
export const CLI_ERROR_CODES = CLI_FAULTS.codes
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number]

/** One problem found in a YAML file, with the line and column it points at (1-based; 0 when unknown). */
export interface ConfigProblem {
  readonly path: string
  readonly message: string
  readonly line: number
  readonly column: number
}

/** An error of the CLI; `problems` lists every problem of an invalid file, each pointing at its line. */
export class CliError extends Error {
  readonly problems: readonly ConfigProblem[]
  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown; problems?: readonly ConfigProblem[] },
  ) {
    super(message, options)
    this.name = 'CliError'
    this.problems = options?.problems ?? []
  }
}

/** `file:line:column: path: message`, the way compilers point at a line. */
export function formatProblem(file: string, problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${file}:${problem.line}:${problem.column}` : file
  return `${where}: ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}`
}
