import { execFileSync } from 'node:child_process'
import { CliError } from '../errors.js'
import type { FleetCheck } from './fleet-checks.js'
import type { RenderConfig, ResolvedRender } from './render-schema.js'

/** Where the name of a release came from, strongest first. */
export const RELEASE_SOURCES = ['--tag', 'deploy.tag', 'git HEAD'] as const
export type ReleaseSource = (typeof RELEASE_SOURCES)[number]

/** Tags that name no build: whatever was pushed last under them runs, and nobody can say which. */
export const MUTABLE_TAGS: readonly string[] = ['latest']

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

/** The release the images are named by, or why there is none. */
export type Release =
  | { readonly tag: string; readonly releaseId: string; readonly source: ReleaseSource }
  | { readonly tag: null; readonly reason: string }

/**
 * Names the release: `--tag`, else the plan's `deploy.tag`, else the commit checked out in `cwd`
 * (`git rev-parse --short HEAD`). `RELEASE_ID` is the plan's `releaseId`, else the same name.
 * @example resolveRelease(config.deploy, { cwd: process.cwd() }) // → { tag: '3d69d95', releaseId: '3d69d95', source: 'git HEAD' }
 */
export function resolveRelease(
  render: Pick<RenderConfig, 'tag' | 'releaseId'> | undefined,
  options: { readonly tag?: string | undefined; readonly cwd: string },
): Release {
  if (options.tag !== undefined && !TAG.test(options.tag))
    throw new CliError(
      'CLI_ERR_USAGE',
      `--tag must be an image tag (letters, digits, _ . -; at most 128), got "${options.tag}"`,
    )
  const named = (tag: string, source: ReleaseSource): Release => ({
    tag,
    releaseId: render?.releaseId ?? tag,
    source,
  })
  if (options.tag !== undefined) return named(options.tag, '--tag')
  if (render?.tag !== undefined) return named(render.tag, 'deploy.tag')
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: options.cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim()
    return named(head, 'git HEAD')
  } catch (error) {
    const { stderr, message } = error as { stderr?: unknown; message?: unknown }
    const said = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : String(message)
    return {
      tag: null,
      reason: `no --tag, no deploy.tag, and no commit to name it by (git: ${said.trim().split('\n')[0]})`,
    }
  }
}

/** `tarmac deploy check`'s verdict on the images' name: a release, never `latest`. */
export function releaseCheck(release: Release): FleetCheck {
  const check = 'image tag'
  const fix =
    'name the release: --tag <release> (default: the commit, `git rev-parse --short HEAD`), or leave deploy.tag out'
  if (release.tag === null)
    return { check, passed: false, code: 'DEPLOY_IMAGE_UNRELEASED', numbers: release.reason, fix }
  const mutable = MUTABLE_TAGS.includes(release.tag.toLowerCase())
  const numbers = `images tagged ${release.tag} (from ${release.source})${mutable ? ': a tag that names no build' : ''}, RELEASE_ID ${release.releaseId}`
  return mutable
    ? { check, passed: false, code: 'DEPLOY_IMAGE_UNRELEASED', numbers, fix }
    : { check, passed: true, numbers }
}

/** The `deploy:` section with its release, for the renderers; a release that failed its check is an error. */
export function withRelease(render: RenderConfig, release: Release): ResolvedRender {
  if (release.tag === null) throw new CliError('CLI_ERR_USAGE', release.reason)
  return { ...render, tag: release.tag, releaseId: release.releaseId }
}
