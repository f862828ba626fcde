#!/usr/bin/env node
import { processIo } from './command-io.js'
import { main } from './main.js'

// Ctrl-C aborts the running command, which stops what it started; a second Ctrl-C exits at once.
const controller = new AbortController()
let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130)
    interrupted = true
    controller.abort()
  })
}

main(process.argv.slice(2), processIo(controller.signal)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(
      `tarmac: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exitCode = 1
  },
)
