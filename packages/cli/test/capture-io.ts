import type { CommandIo } from '../src/command-io.js'

/** A CommandIo that keeps what a command writes (no TTY, no colours). */
export function captureIo(
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  signal?: AbortSignal,
): CommandIo & { out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env,
    cwd,
    ...(signal && { signal }),
    out: () => out,
    err: () => err,
  }
}
