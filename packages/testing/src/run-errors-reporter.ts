import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node'

/** Where the reporter writes, next to the JUnit report; `.ci/summary.mjs` reads it. */
export const RUN_ERRORS_FILE = 'test-results/unhandled-errors.json'

/**
 * A vitest reporter for CI: the JUnit report has no place for errors thrown outside any test (an unhandled
 * rejection after a test ended, an error in a worker), yet they fail the run. This writes their count, and
 * the test files that did not pass, to `RUN_ERRORS_FILE`, so the closing `N passed, N failed` counts them.
 */
export default class RunErrorsReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    const file = resolve(RUN_ERRORS_FILE)
    mkdirSync(dirname(file), { recursive: true })
    const failedModules = testModules.filter((m) => m.state() === 'failed').map((m) => m.moduleId)
    writeFileSync(
      file,
      `${JSON.stringify({ reason, unhandledErrors: unhandledErrors.length, failedModules, messages: unhandledErrors.map((e) => e.message) }, null, 2)}\n`,
    )
  }
}
