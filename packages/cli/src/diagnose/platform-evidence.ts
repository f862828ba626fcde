import type { TarmacConfig } from '../config/config-schema.js'
import { CliError } from '../errors.js'
import type { PlatformObservation } from './observations.js'

/** What `--platform` names: `live` (gcloud and kubectl) or a directory of saved answers. */
export const LIVE_PLATFORM = 'live'

/**
 * The `--platform` reader for `gather`: checks at once that the config has a plan to hold the platform to, then,
 * when called, reads the platform as `tarmac deploy verify` does. A refusal (denied, a missing tool, an unreadable
 * answer) is an observation with its code, never a failed diagnosis. The deploy modules load only here.
 */
export function platformEvidence(
  config: TarmacConfig,
  source: string,
  io: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined },
  options: { tag?: string | undefined; timeoutMs: number },
): () => Promise<PlatformObservation> {
  const { fleet, deploy } = config
  if (!fleet || !deploy)
    throw new CliError(
      'CLI_ERR_CONFIG_INVALID',
      '--platform needs the plan to hold the platform to: a tarmac.yaml with fleet: and deploy: sections (see tarmac deploy verify --help)',
    )
  return async () => {
    try {
      const [{ verifyPlatform }, { platformSource }, { resolveRelease, withRelease }] = await Promise.all([
        import('../deploy/platform/verify-platform.js'),
        import('../deploy/deploy-verify-command.js'),
        import('../deploy/release.js'),
      ])
      const render = withRelease(deploy, resolveRelease(deploy, { tag: options.tag, cwd: io.cwd }))
      const reader = platformSource(
        source === LIVE_PLATFORM
          ? { timeoutMs: options.timeoutMs }
          : { from: source, timeoutMs: options.timeoutMs },
        io,
      )
      const { findings } = await verifyPlatform(fleet, render, { source: reader })
      return { source: reader.label, findings }
    } catch (error) {
      // One line: it becomes a fact, and a gap in "what would change the verdict".
      if (error instanceof CliError)
        return { unavailable: `${error.code}: ${error.message.replace(/\s*\n\s*/g, ' ')}` }
      throw error
    }
  }
}
