import { parseArgs, type ParseArgsConfig } from 'node:util'
import { CliError } from './errors.js'
import { colourEnabled, createPaint, type Paint } from './style.js'

/** What a command reads and writes; the process's by default, captured in tests. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number }
  readonly stderr: { write(text: string): unknown; isTTY?: boolean }
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  /** What is piped in (`tarmac deploy credentials` reads a secret from it); absent in captured tests. */
  readonly stdin?: AsyncIterable<Buffer | string> & { isTTY?: boolean }
  /** Aborts a long-running command (Ctrl-C). */
  readonly signal?: AbortSignal
}

/** A command: argv after its name → exit code. */
export type Command = (argv: readonly string[], io: CommandIo) => Promise<number>

export function processIo(signal?: AbortSignal): CommandIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    ...(signal && { signal }),
  }
}

export function paintFor(io: CommandIo, stream: 'stdout' | 'stderr' = 'stdout'): Paint {
  return createPaint(colourEnabled(io[stream], io.env))
}

/** `parseArgs`, strict, with a usage error (`CLI_ERR_USAGE`) instead of node's own. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: T,
): { values: ReturnType<typeof parseArgs<{ options: T; strict: true }>>['values'] } {
  try {
    return parseArgs({ args: [...argv], options, strict: true })
  } catch (error) {
    throw new CliError('CLI_ERR_USAGE', (error as Error).message, { cause: error })
  }
}

/** `parseOptions` for a command that also takes names (`tarmac rehearse slow-connector`). */
export function parseOptionsAndNames<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: T,
): {
  values: ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: true }>>['values']
  positionals: string[]
} {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true })
  } catch (error) {
    throw new CliError('CLI_ERR_USAGE', (error as Error).message, { cause: error })
  }
}

/** A positive integer option, or a usage error naming the option. */
export function intOption(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new CliError('CLI_ERR_USAGE', `--${name} must be an integer ≥ ${min}, got "${value}"`)
  }
  return parsed
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
