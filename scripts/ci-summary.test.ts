import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// `.ci/summary.mjs` as CI runs it, on fixture JUnit reports shaped like vitest's.
const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/junit/${name}`, import.meta.url))

async function summary(...args: string[]): Promise<{ line: string; notes: string }> {
  const { stdout, stderr } = await run(process.execPath, ['.ci/summary.mjs', ...args], { cwd: root })
  return { line: stdout.trim(), notes: stderr }
}

describe('.ci/summary.mjs', () => {
  it('counts passed tests, and skipped ones when there are any', async () => {
    expect((await summary(fixture('passed.xml'))).line).toBe('3 passed, 0 failed')
    expect((await summary(fixture('failed-and-skipped.xml'))).line).toBe('2 passed, 1 failed, 1 skipped')
  })

  it('counts a test file that failed to load as a failure', async () => {
    expect((await summary(fixture('load-failure.xml'))).line).toBe('1 passed, 1 failed')
  })

  it("takes a suite's failures attribute when its failed testcase carries no message", async () => {
    expect((await summary(fixture('failure-without-message.xml'))).line).toBe('1 passed, 1 failed')
  })

  it('adds the unhandled errors the run-errors reporter recorded', async () => {
    const result = await summary(fixture('passed.xml'), '--unhandled', fixture('two-unhandled-errors.json'))
    expect(result.line).toBe('3 passed, 2 failed')
    expect(result.notes).toContain('2 unhandled error(s)')
  })

  it('never says "0 failed" when vitest exited non-zero', async () => {
    const result = await summary(fixture('passed.xml'), '--exit-code', '1')
    expect(result.line).toBe('3 passed, 1 failed')
    expect(result.notes).toContain('vitest exited 1')
    expect((await summary(fixture('load-failure.xml'), '--exit-code', '1')).line).toBe('1 passed, 1 failed')
  })

  it('is one failure when there is no report at all', async () => {
    expect((await summary(fixture('no-such-report.xml'), '--exit-code', '1')).line).toBe('0 passed, 1 failed')
  })
})
