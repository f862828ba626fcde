import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import semver from 'semver'
import { lineage, readDockerfile, type DockerInstruction } from '../../scripts/dockerfile-stages.js'
import { nodeMajorOfImage } from '../../scripts/rehearsal-node.js'

// There is no Docker daemon on these machines: this checks each Dockerfile's properties, and CI runs the same
// npm steps on a clean copy of the context (scripts/dockerfile-rehearsal.ts, from .ci/run).
const ROOT = resolve(import.meta.dirname, '../..')
const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  workspaces: string[]
  engines: { node: string }
}
/**
 * The Node line the images ship on: 24, the active LTS (Node 20 reached its end of life in April 2026). Changing
 * it is deliberate: the rehearsal (.ci/run) builds and starts the images on whatever major this says.
 */
const IMAGE_NODE_MAJOR = 24
const manifestOf = (dir: string) =>
  JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as {
    name: string
    dependencies?: Record<string, string>
  }
const workspaceOf = new Map(rootManifest.workspaces.map((dir) => [manifestOf(dir).name, dir]))

/** The workspaces a service needs at run time: its @tarmac dependencies, transitively, in build order. */
function runtimeWorkspaces(service: string): string[] {
  const needed = new Set<string>()
  const visit = (dir: string) => {
    if (needed.has(dir)) return
    needed.add(dir)
    for (const dep of Object.keys(manifestOf(dir).dependencies ?? {}))
      if (workspaceOf.has(dep)) visit(workspaceOf.get(dep)!)
  }
  visit(service)
  return rootManifest.workspaces.filter((dir) => needed.has(dir))
}

const words = (i: DockerInstruction) => i.text.split(/\s+/)
const runs = (instructions: readonly DockerInstruction[]) =>
  instructions.filter((i) => i.keyword === 'RUN').map((i) => i.text)

describe.each(['backend', 'auth', 'frontend'])('services/%s/Dockerfile', (name) => {
  const service = `services/${name}`
  const dockerfile = readDockerfile(join(ROOT, service, 'Dockerfile'))
  const final = dockerfile.final
  const image = lineage(dockerfile)
  const stage = (stageName: string) => dockerfile.stages.find((s) => s.name === stageName)!

  it('is multi-stage: the image starts from Node, not from the build', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(3)
    expect(final.from).toMatch(/^node:\d+(\.\d+)*-bookworm-slim$/)
    expect(final.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.flags.from)).toEqual(['deps'])
  })

  it(`builds and runs on Node ${IMAGE_NODE_MAJOR}, a line the root engines admit`, () => {
    // Every stage that starts from an image starts from the same Node: what builds is what runs.
    const images = dockerfile.stages
      .map((s) => s.from)
      .filter((from) => !dockerfile.stages.some((t) => t.name === from))
    expect(images.map(nodeMajorOfImage)).toEqual(images.map(() => IMAGE_NODE_MAJOR))
    expect(dockerfile.args.NODE_IMAGE).toBe(`node:${IMAGE_NODE_MAJOR}-bookworm-slim`)
    expect(semver.satisfies(`${IMAGE_NODE_MAJOR}.0.0`, rootManifest.engines.node)).toBe(true)
  })

  it('installs everything with npm ci to build, and only production dependencies for the image', () => {
    const all = dockerfile.stages.flatMap((s) => runs(s.instructions))
    expect(all.some((run) => /^npm ci( |$)/.test(run) && !run.includes('--omit=dev'))).toBe(true)
    // The image's node_modules come from the deps stage and what it starts from: one install, --omit=dev,
    // for this service's workspace; from the build it takes compiled output only, never node_modules.
    const deps = stage('deps')
    const chain = [deps, ...dockerfile.stages.filter((s) => s.name === deps.from)]
    const installs = chain.flatMap((s) => runs(s.instructions)).filter((run) => run.startsWith('npm '))
    expect(installs).toEqual([`npm ci --omit=dev --no-audit --no-fund --workspace ${service}`])
    const fromBuild = deps.instructions.filter((i) => i.keyword === 'COPY' && i.flags.from === 'build')
    for (const copy of fromBuild) expect(copy.args[0]).toMatch(/\/(dist|migrations)$/)
    expect(image.map((s) => s.name)).toEqual(['manifests', 'build', 'deps', null])
    // Every workspace's manifest is there for npm ci (the lockfile lists them all).
    const copied = stage('manifests').instructions.flatMap((i) => (i.keyword === 'COPY' ? i.args : []))
    for (const dir of rootManifest.workspaces) expect(copied).toContain(`${dir}/package.json`)
  })

  it('builds and ships exactly the workspaces the service needs at run time', () => {
    const needed = runtimeWorkspaces(service)
    const build = runs(stage('build').instructions).find((run) => run.startsWith('npm run build'))!
    expect(words({ text: build } as DockerInstruction).filter((_, i, all) => all[i - 1] === '-w')).toEqual(
      needed,
    )
    const shipped = stage('deps')
      .instructions.filter(
        (i) => i.keyword === 'COPY' && i.flags.from === 'build' && i.args[0]!.endsWith('/dist'),
      )
      .map((i) => i.args[1]!.replace(/\/dist$/, ''))
    expect(shipped).toEqual(needed)
  })

  it('runs as a non-root user with NODE_ENV=production, exec-form node, and no database HEALTHCHECK', () => {
    const user = final.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args[0]
    expect(user).toBeDefined()
    expect(user).not.toMatch(/^(root|0)(:|$)/)
    expect(
      final.instructions.some((i) => i.keyword === 'ENV' && i.args.includes('NODE_ENV=production')),
    ).toBe(true)
    const cmd = final.instructions.filter((i) => i.keyword === 'CMD').at(-1)!
    // Exec form: node is PID 1 and receives SIGTERM; a shell form would put /bin/sh in between.
    expect(cmd.exec).toEqual(['node', `${service}/dist/main.js`])
    expect(final.instructions.some((i) => i.keyword === 'ENTRYPOINT')).toBe(false)
    expect(dockerfile.stages.flatMap((s) => s.instructions).some((i) => i.keyword === 'HEALTHCHECK')).toBe(
      false,
    )
  })
})

describe('deploy/pgbouncer/Dockerfile', () => {
  const dockerfile = readDockerfile(join(ROOT, 'deploy/pgbouncer/Dockerfile'))
  const at = (keyword: string) => dockerfile.final.instructions.filter((i) => i.keyword === keyword).at(-1)

  it("runs Debian's PgBouncer as a fixed non-root uid, stops it safely, in exec form", () => {
    expect(dockerfile.final.from).toBe('debian:bookworm-slim')
    expect(runs(dockerfile.final.instructions).join(' ')).toMatch(/apt-get install .*pgbouncer/)
    expect(at('USER')?.args[0]).toMatch(/^[1-9]\d{3,}:[1-9]\d{3,}$/)
    expect(at('STOPSIGNAL')?.args[0]).toBe('SIGINT')
    expect(at('CMD')?.exec).toEqual(['/usr/sbin/pgbouncer', '/etc/pgbouncer/pgbouncer.ini'])
    expect(at('HEALTHCHECK')).toBeUndefined()
  })
})

describe('.dockerignore', () => {
  it('keeps dependencies, builds, local data and git history out of the context', () => {
    const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
    for (const pattern of ['**/node_modules', '**/dist', '.git', '.tarmac', '.env'])
      expect(lines).toContain(pattern)
  })
})
