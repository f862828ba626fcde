import { ORPHAN_KILL_AFTER_MS, PARENT_CHECK_INTERVAL_MS, PARENT_PID_ENV } from './parent-watch.js'

/**
 * The parent watch for a program that cannot preload it (`redis-server`): a small Node process runs the
 * program as its child, passes SIGTERM and SIGINT on, exits as the program does, and once its own parent
 * (`tarmac up`) is gone, sends the program SIGTERM every half second and SIGKILL `ORPHAN_KILL_AFTER_MS`
 * later — the same bound the services' watch keeps. The guard itself does nothing else, so its timer always
 * runs. Stop it with SIGTERM (not SIGKILL, which would leave the program behind).
 */
const GUARD_SOURCE = [
  "const { spawn } = require('node:child_process')",
  'const [command, ...args] = process.argv.slice(1)',
  `const parent = Number(process.env.${PARENT_PID_ENV}) || process.ppid`,
  `delete process.env.${PARENT_PID_ENV}`,
  "const child = spawn(command, args, { stdio: 'inherit' })",
  "for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal))",
  "child.on('error', (error) => { process.stderr.write(`${command}: ${error.message}\\n`); process.exit(127) })",
  "child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGTERM' ? 0 : 1)))",
  'let orphanedAt',
  'setInterval(() => {',
  '  if (process.ppid === parent) return',
  '  orphanedAt ??= Date.now()',
  `  child.kill(Date.now() - orphanedAt >= ${ORPHAN_KILL_AFTER_MS} ? 'SIGKILL' : 'SIGTERM')`,
  `}, ${PARENT_CHECK_INTERVAL_MS})`,
].join('\n')

/** How to spawn `command args…` under the guard: pass the result to `spawn`, with the env merged in. */
export function guardedCommand(
  command: string,
  args: readonly string[],
): { command: string; args: string[]; env: Record<string, string> } {
  return {
    command: process.execPath,
    args: ['-e', GUARD_SOURCE, '--', command, ...args],
    env: { [PARENT_PID_ENV]: String(process.pid) },
  }
}
