import { readFileSync } from 'node:fs'
import { createStartup, runMain, type FaultClassifier, type RunMainOptions } from '@tarmac/startup'
import type { ConfigError } from './errors.js'

/**
 * A service whose environment is wrong fails its first phase like any other critical component: exit 3, the
 * one-line reason, one line per bad variable (never a value), and — through `beforeExit` — its report to the
 * cold-start collector, so even a misconfigured instance leaves its evidence behind.
 * @example
 * catch (error) { if (error instanceof ConfigError) return runConfigFailure('backend', 'init', error, { beforeExit }) }
 */
export async function runConfigFailure(
  service: string,
  phase: string,
  error: ConfigError,
  options: RunMainOptions & { classify?: FaultClassifier } = {},
): Promise<void> {
  const { classify, ...runOptions } = options
  const failed = createStartup({ name: service, phases: [phase], ...(classify && { classify }) })
  failed.add({ name: 'config', phase, start: () => Promise.reject(error) })
  await runMain(failed, runOptions)
}

/** The `version` of the package.json next to `src/` or `dist/` of the module at `moduleUrl` (`import.meta.url`). */
export function packageVersion(moduleUrl: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')) as {
      version?: unknown
    }
    return typeof manifest.version === 'string' ? manifest.version : undefined
  } catch {
    return undefined
  }
}
