import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

// Issue 21: a service whose stdout reader died (`tarmac up` SIGKILLed) never finished exiting: pino's exit hook
// flushed synchronously to the dead socket and retried EPIPE forever, so the process outlived its parent. Here a
// real process logs through `createLogger` to a pipe, the reader goes away, and the process logs its shutdown
// lines and exits as a service does.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const LOGGER = new URL('../src/logger.ts', import.meta.url).href

const CHILD = `
const { createLogger } = await import(${JSON.stringify(LOGGER)})
const logger = createLogger({ name: 'exit-test' })
process.on('SIGTERM', () => {
  // A shutdown's last lines, several in one tick, then exit: what a service does after SIGTERM.
  for (let i = 0; i < 20; i++) logger.info({ i }, 'component.stopped')
  process.exit(0)
})
// Only once the handler is in place: the test sends SIGTERM as soon as it reads this line.
logger.info('started')
setInterval(() => {}, 1_000)
`

function loggingChild() {
  const child = spawn(
    process.execPath,
    ['--conditions=@tarmac/source', '--import', TSX, '--input-type=module', '-e', CHILD],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close': exited, and its stdout read to the end.
    child.once('close', (code, signal) => resolve({ code, signal })),
  )
  const started = new Promise<void>((resolve) => {
    const check = () => (stdout.includes('"msg":"started"') ? resolve() : setTimeout(check, 50))
    check()
  })
  return { child, exited, started, stdout: () => stdout }
}

/** The exit, or 'still running' once `graceMs` passed (the child is then killed so the test cleans up). */
async function exitWithin(run: ReturnType<typeof loggingChild>, graceMs: number) {
  const outcome = await Promise.race([
    run.exited,
    new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), graceMs)),
  ])
  if (outcome === 'still running') run.child.kill('SIGKILL')
  return outcome
}

describe('createLogger at exit', () => {
  it('exits after SIGTERM although the reader of its stdout is gone (no endless EPIPE retry)', async () => {
    const run = loggingChild()
    await run.started
    run.child.stdout.destroy() // the reader dies, as when `tarmac up` is SIGKILLed
    await new Promise((resolve) => setTimeout(resolve, 200))
    run.child.kill('SIGTERM')
    // Generous: the process needs milliseconds; a hung one never exits.
    expect(await exitWithin(run, 20_000)).toEqual({ code: 0, signal: null })
  }, 40_000)

  it('still writes every line before exiting while the reader lives (logs stay durable)', async () => {
    const run = loggingChild()
    await run.started
    run.child.kill('SIGTERM')
    expect(await exitWithin(run, 20_000)).toEqual({ code: 0, signal: null })
    const stopped = run.stdout().match(/"msg":"component\.stopped"/g) ?? []
    expect(stopped).toHaveLength(20)
  }, 40_000)
})
