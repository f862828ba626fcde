/** Every code `tarmac` can fail with: a closed list, each documented in the README. */
export const CLI_ERROR_CODES = [
  'CLI_ERR_USAGE',
  'CLI_ERR_CONFIG_NOT_FOUND',
  'CLI_ERR_CONFIG_INVALID',
  'CLI_ERR_CRITERIA_INVALID',
  'CLI_ERR_SERVICE_NOT_FOUND',
  'CLI_ERR_SERVICE_EXITED',
] as const
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
