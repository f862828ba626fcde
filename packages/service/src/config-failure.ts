import { readFileSync } from 'node:fs'
import { createStartup, runMain, type FaultClassifier, type RunMainOptions } from '@tarmac/startup'
import { ConfigError } from './errors.js'

/** The phase and component a bad configuration fails: the first, as it would inside the service's own startup. */
export const CONFIG_FAILURE_PHASE = 'init'
export const CONFIG_FAILURE_COMPONENT = 'config'

export interface LoadConfigOrExitOptions extends RunMainOptions {
  /** The service's fault model (`faults.annotate`), so the report places the failure. */
  readonly classify?: FaultClassifier
  /** Runs before the failure is reported: release what was begun ahead of the config (a connect-ahead). */
  readonly onConfigError?: () => void
}

/**
 * The one path from a bad environment to exit 3, for every service: `load()` the configuration; a `ConfigError`
 * fails phase `init`, component `config`, like any other critical component — the one-line reason, one line per
 * bad variable (never a value), the report, `beforeExit` (the report to the cold-start collector, so even a
 * misconfigured instance leaves its evidence), then exit 3. Returns the configuration, or undefined once that
 * failure has run. Any other error is thrown.
 * @example
 * const config = await loadConfigOrExit('backend', () => loadConfig(configSchema), { beforeExit })
 * if (!config) return
 */
export async function loadConfigOrExit<Config>(
  service: string,
  load: () => Config,
  options: LoadConfigOrExitOptions = {},
): Promise<Config | undefined> {
  try {
    return load()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    const { classify, onConfigError, ...runOptions } = options
    onConfigError?.()
    const failed = createStartup({
      name: service,
      phases: [CONFIG_FAILURE_PHASE],
      ...(classify && { classify }),
    })
    failed.add({
      name: CONFIG_FAILURE_COMPONENT,
      phase: CONFIG_FAILURE_PHASE,
      start: () => Promise.reject(error),
    })
    await runMain(failed, runOptions)
    return undefined
  }
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
