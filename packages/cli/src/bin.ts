#!/usr/bin/env node
import { processIo } from './command-io.js'
import { EXIT_CODES } from './exit-codes.js'
import { main } from './main.js'

// SIGINT (Ctrl-C) or SIGTERM aborts the running command, which stops what it started and says what it did not
// finish; a second signal exits at once with 130.
const controller = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(EXIT_CODES.interrupted)
    controller.abort(signal)
  })
}

// Anything unexpected is tarmac's own failure (3), never a verdict about the system it looked at.
const crash = (error: unknown): void => {
  process.stderr.write(
    `tarmac: internal error (exit ${EXIT_CODES.internal}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exit(EXIT_CODES.internal)
}
process.on('uncaughtException', crash)
process.on('unhandledRejection', crash)

// The command is done when main resolves: exit with its code now, rather than wait for what is still open (an
// interrupted check's request, a keep-alive socket). stdout and stderr are synchronous on pipes and files here.
main(process.argv.slice(2), processIo(controller.signal)).then((code) => process.exit(code), crash)
