import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { ensureCurrentBuild } from '../../scripts/build-freshness.js'

/**
 * The artefact tier's global setup (vitest.config.ts, project `artefacts`): it runs only when a run includes an
 * artefact test, before any test starts, and builds what is missing or older than its sources — once, under a
 * lock — so the tier always tests the build of the sources in front of it. A build that fails does not stop the
 * run: every artefact test file then fails with the workspace, its last lines and the log to read
 * (build-check.ts), instead of a service that "did not start", and the other tests run as usual.
 */
export default async function setup(project: TestProject): Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const say = (line: string) => process.stderr.write(`[artefacts] ${line}\n`)
  try {
    const { built, durationMs } = await ensureCurrentBuild(root, say)
    if (built.length > 0) say(`built ${built.length} workspace(s) in ${(durationMs / 1000).toFixed(0)} s`)
    project.provide('ARTEFACT_BUILD_ERROR', '')
  } catch (error) {
    say((error as Error).message)
    project.provide('ARTEFACT_BUILD_ERROR', (error as Error).message)
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    ARTEFACT_BUILD_ERROR: string
  }
}
