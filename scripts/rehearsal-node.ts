/**
 * The Node an image runs, on this machine: the rehearsal (dockerfile-rehearsal.ts) runs a Dockerfile's steps and
 * its final CMD on the major its base image names (`node:24-bookworm-slim` → 24), not on whatever Node runs the
 * rehearsal. This Node when the major matches; else `TARMAC_NODE_<major>` (a node binary); else the npm
 * registry's `node@<major>` package through `npx -y` (what `npx -y node@24` gives by hand), cached by npm.
 */
import { execFileSync } from 'node:child_process'
import { dirname } from 'node:path'

export interface RehearsalNode {
  /** The node binary. */
  readonly path: string
  /** `v24.21.0`. */
  readonly version: string
  readonly major: number
  /**
   * The environment steps run with: PATH with this node's folder first (`node` and npm's `#!/usr/bin/env node`
   * scripts run on it), and npm's global config pinned to this machine's. npm finds its global config next to
   * the node it runs on; beside a node from the npm cache there is none, and this machine's registry settings
   * (its CA file, a mirror) would be lost — `SELF_SIGNED_CERT_IN_CHAIN` behind a proxy.
   */
  readonly env: Readonly<Record<string, string>>
}

/** This machine's npm global config file, as npm run by this machine's default node sees it. */
function machineNpmGlobalConfig(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.npm_config_globalconfig) return { npm_config_globalconfig: env.npm_config_globalconfig }
  try {
    const path = execFileSync('npm', ['config', 'get', 'globalconfig'], { encoding: 'utf8', env }).trim()
    return path ? { npm_config_globalconfig: path } : {}
  } catch {
    return {}
  }
}

/** The Node major of an image reference: `node:24-bookworm-slim` → 24; null when it is not an official node image. */
export function nodeMajorOfImage(image: string): number | null {
  const match = /^(?:docker\.io\/(?:library\/)?)?node:(\d+)(?:[.-]|$)/.exec(image)
  return match ? Number(match[1]) : null
}

const majorOf = (version: string) => Number(/^v?(\d+)/.exec(version)?.[1])

/** A node binary of `major`; throws naming the major and what was tried when there is none. */
export function findNodeOfMajor(major: number, env: NodeJS.ProcessEnv = process.env): RehearsalNode {
  const withPath = (path: string, version: string): RehearsalNode => ({
    path,
    version,
    major: majorOf(version),
    env: { PATH: `${dirname(path)}:${env.PATH ?? ''}`, ...machineNpmGlobalConfig(env) },
  })
  if (majorOf(process.version) === major) return withPath(process.execPath, process.version)
  const probe = "process.stdout.write(process.execPath + ' ' + process.version)"
  const override = env[`TARMAC_NODE_${major}`]
  const [command, args] = override ? [override, ['-e', probe]] : ['npx', ['-y', `node@${major}`, '-e', probe]]
  let output: string
  try {
    output = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    })
  } catch (error) {
    throw new Error(
      `no Node ${major} to rehearse on: ${command} ${args.slice(0, 2).join(' ')} failed (${(error as Error).message.split('\n')[0]}); ` +
        `set TARMAC_NODE_${major} to a node ${major} binary`,
    )
  }
  const [path, version] = output.trim().split(' ')
  if (!path || !version || majorOf(version) !== major)
    throw new Error(`asked for Node ${major}, ${command} gave ${output.trim() || 'nothing'}`)
  return withPath(path, version)
}
