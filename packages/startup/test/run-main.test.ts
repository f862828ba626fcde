import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const example = fileURLToPath(new URL('../examples/seven-phases.ts', import.meta.url))

interface Child {
  exitCode: Promise<number | null>
  stdout: () => string
  stderr: () => string
  waitFor: (text: string) => Promise<void>
  kill: (signal: NodeJS.Signals) => void
}

function runExample(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--conditions=@tarmac/source', '--import', 'tsx', example], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  return {
    exitCode: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stdout: () => out,
    stderr: () => err,
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`"${text}" not seen; stdout:\n${out}\nstderr:\n${err}`)),
          20_000,
        )
        const check = () => {
          if (out.includes(text)) {
            clearTimeout(timer)
            child.stdout.off('data', check)
            resolve()
          }
        }
        child.stdout.on('data', check)
        check()
      }),
    kill: (signal) => child.kill(signal),
  }
}

describe('runMain in a real process', () => {
  it('on SIGTERM stops every component in reverse start order and exits 0', async () => {
    const child = runExample({})
    await child.waitFor('ready (started)')
    child.kill('SIGTERM')
    expect(await child.exitCode).toBe(0)
    const stopped = child
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('stopped '))
    expect(stopped).toEqual([
      'stopped self-test',
      'stopped websocket-hub',
      'stopped chat-pipeline',
      'stopped redis',
      'stopped postgres',
      'stopped assistant',
      'stopped jwks',
      'stopped config',
    ])
  })

  it('exits 3 on a critical failure with one human line naming phase, component, code and reason', async () => {
    const child = runExample({ EXAMPLE_FAIL: 'postgres' })
    expect(await child.exitCode).toBe(3)
    const lines = child.stderr().trim().split('\n')
    expect(lines[0]).toBe(
      'seven-phases-example: startup failed in phase "database", component "postgres": ECONNREFUSED — postgres refused the connection (simulated)',
    )
    const { startupReport } = JSON.parse(lines[1]!) as { startupReport: { state: string; failure: unknown } }
    expect(startupReport.state).toBe('failed')
    expect(startupReport.failure).toMatchObject({
      phase: 'database',
      component: 'postgres',
      code: 'ECONNREFUSED',
    })
    // What started before the failure was stopped, in reverse.
    expect(child.stdout()).toMatch(/stopped assistant\n[\s\S]*stopped jwks\n[\s\S]*stopped config/)
  })

  it('exits 3 within the deadline when a component hangs', async () => {
    const child = runExample({ EXAMPLE_HANG: 'jwks', EXAMPLE_DEADLINE_MS: '3000' })
    expect(await child.exitCode).toBe(3)
    // It was the 3 s deadline that ended it (not a hang cut by the test's timeout, nor an earlier failure):
    // the code says so, and the engine's own clock ran at least that long. No wall-clock upper bound: on a
    // loaded machine the process start (tsx) alone varies by seconds.
    const [line, reportLine] = child.stderr().trim().split('\n')
    expect(line).toContain(
      'phase "dependencies", component "jwks": STARTUP_ERR_DEADLINE_EXCEEDED — startup deadline of 3000 ms passed',
    )
    const { startupReport } = JSON.parse(reportLine!) as {
      startupReport: { durationMs: number; state: string }
    }
    expect(startupReport.state).toBe('failed')
    expect(startupReport.durationMs).toBeGreaterThanOrEqual(3000)
  })

  it('exits at once on a second signal', async () => {
    const child = runExample({ EXAMPLE_STOP_HANG: 'postgres' })
    await child.waitFor('ready (started)')
    child.kill('SIGTERM')
    await child.waitFor('component.stopping           database/postgres')
    child.kill('SIGTERM')
    expect(await child.exitCode).toBe(1)
    expect(child.stderr()).toContain('second SIGTERM')
  })
})
