/**
 * The exit codes of every `tarmac` command, with one meaning each everywhere: a script can branch on them
 * without knowing which command it ran. `monitor --once` alone also uses `starting` (nothing down, not all up).
 */
export const EXIT_CODES = Object.freeze({
  /** The command did what it was asked and found nothing wrong. */
  ok: 0,
  /** The gate failed, a target is down, a fault was found, the plan does not fit. */
  failed: 1,
  /** Invalid usage or configuration: an unknown option, a bad value, a config file that does not validate. */
  usage: 2,
  /** tarmac itself failed: an unexpected error (the stack is printed), or it could not run what it was asked. */
  internal: 3,
  /** `monitor --once`: no target down, but some still starting or unknown. */
  starting: 4,
  /** Interrupted by SIGINT (Ctrl-C) or SIGTERM before the command finished its work. */
  interrupted: 130,
})

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

/** What a command's 0 and 1 mean; 2, 3 and 130 read the same everywhere unless a command says more. */
export interface ExitCodeMeanings {
  readonly ok: string
  readonly failed: string
  readonly usage?: string
  readonly internal?: string
  readonly starting?: string
  readonly interrupted?: string
}

const SHARED = {
  usage: 'invalid usage or configuration (the message names the option, or the file and line)',
  internal: 'tarmac itself failed: an unexpected error (its stack is on stderr)',
  interrupted: 'interrupted (Ctrl-C or SIGTERM) before it finished',
}

/** The `Exit codes:` section of a command's --help: every code, in order, one line each. */
export function exitCodesHelp(meanings: ExitCodeMeanings): string {
  const rows: [number, string][] = [
    [EXIT_CODES.ok, meanings.ok],
    [EXIT_CODES.failed, meanings.failed],
    [EXIT_CODES.usage, meanings.usage ?? SHARED.usage],
    [EXIT_CODES.internal, meanings.internal ?? SHARED.internal],
    ...(meanings.starting ? [[EXIT_CODES.starting, meanings.starting] as [number, string]] : []),
    [EXIT_CODES.interrupted, meanings.interrupted ?? SHARED.interrupted],
  ]
  const lines = rows.map(([code, text]) => `  ${String(code).padEnd(4)} ${wrap(text, 73).join('\n       ')}`)
  return `Exit codes:\n${lines.join('\n')}\n`
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines
}
