/**
 * Runs a service Dockerfile's steps without Docker, on a clean copy of the build context: there is no Docker
 * daemon on these machines, so this is how CI proves that the npm steps an image build runs (npm ci, the build,
 * npm ci --omit=dev) work from what `.dockerignore` lets through, and that the final stage's tree starts.
 *
 *   npx tsx scripts/dockerfile-rehearsal.ts [--smoke] services/backend/Dockerfile [services/auth/Dockerfile …]
 *
 * Each stage is a directory; FROM <stage> copies it, WORKDIR/COPY/ENV are applied, RUN executes with `sh -c`
 * on the Node major the base image names (`node:24-bookworm-slim` → Node 24, found by rehearsal-node.ts), not
 * on whatever Node runs this script. The base image's own files are not there: only what the Dockerfile adds.
 * With --smoke, the final stages' CMDs run as the images would (their ENV, that Node) against a PostgreSQL and a
 * Redis of their own, each service pointed at the others, until each is ready — or live, when a service it needs
 * was not rehearsed — then get SIGTERM and must exit 0 (rehearsal-stack.ts).
 * Checked too: the final tree has no devDependency (typescript, vitest). Exit 0 when every Dockerfile passes.
 */
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'
import type { Ignore } from '@balena/dockerignore'
import { readDockerfile, type DockerStage } from './dockerfile-stages.js'
import { findNodeOfMajor, nodeMajorOfImage, type RehearsalNode } from './rehearsal-node.js'
import { STACK_SERVICES, smokeStack, type RehearsedImage, type StackService } from './rehearsal-stack.js'

const ROOT = resolve(import.meta.dirname, '..')
// A CommonJS module whose typings claim an ES default export: load it as what it is.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as () => Ignore

/** The build context as Docker sends it: the repository root minus `.dockerignore`, copied to `into`. */
function copyContext(into: string): number {
  const ignore = dockerignore().add(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n'))
  let files = 0
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = dir ? `${dir}/${name}` : name
      if (ignore.ignores(path)) continue
      const stats = statSync(join(ROOT, path))
      if (stats.isDirectory()) walk(path)
      else {
        mkdirSync(dirname(join(into, path)), { recursive: true })
        cpSync(join(ROOT, path), join(into, path))
        files++
      }
    }
  }
  walk('')
  return files
}

/** Docker's COPY: a directory's contents go into the destination; a file goes into it when it ends in '/'. */
function copy(source: string, destination: string): void {
  if (!existsSync(source)) throw new Error(`COPY: ${source} does not exist`)
  if (statSync(source).isDirectory()) {
    mkdirSync(destination, { recursive: true })
    cpSync(source, destination, { recursive: true, verbatimSymlinks: true })
  } else if (destination.endsWith('/')) {
    mkdirSync(destination, { recursive: true })
    cpSync(source, join(destination, basename(source)))
  } else {
    mkdirSync(dirname(destination), { recursive: true })
    cpSync(source, destination)
  }
}

interface Built {
  root: string
  workdir: string
  env: Record<string, string>
}

function runStage(
  stage: DockerStage,
  context: string,
  built: Map<string, Built>,
  scratch: string,
  node: RehearsalNode,
): Built {
  const root = mkdtempSync(join(scratch, `${stage.name ?? 'final'}-`))
  const parent = built.get(stage.from)
  if (parent) cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true })
  const state: Built = { root, workdir: parent?.workdir ?? '/', env: { ...parent?.env } }
  const inRoot = (path: string) => join(root, path.startsWith('/') ? path : join(state.workdir, path))
  for (const step of stage.instructions) {
    const started = performance.now()
    if (step.keyword === 'WORKDIR') {
      state.workdir = resolve(state.workdir, step.args[0]!)
      mkdirSync(inRoot('.'), { recursive: true })
    } else if (step.keyword === 'ENV') {
      for (const pair of step.args) {
        const [name, ...value] = pair.split('=')
        state.env[name!] = value.join('=')
      }
    } else if (step.keyword === 'COPY') {
      const sources = step.args.slice(0, -1)
      const destination = step.args.at(-1)!
      const from = step.flags.from ? built.get(step.flags.from) : undefined
      if (step.flags.from && !from) throw new Error(`COPY --from=${step.flags.from}: no such stage`)
      const target = inRoot(destination) + (destination.endsWith('/') || sources.length > 1 ? '/' : '')
      for (const source of sources) copy(from ? join(from.root, source) : join(context, source), target)
    } else if (step.keyword === 'RUN') {
      process.stderr.write(`  RUN ${step.text}\n`)
      execFileSync('sh', ['-c', step.text], {
        cwd: inRoot('.'),
        env: { ...node.env, HOME: process.env.HOME ?? '/root', ...state.env },
        stdio: ['ignore', 'ignore', 'inherit'],
      })
      process.stderr.write(`    ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
    }
  }
  built.set(stage.name ?? '', state)
  return state
}

const { values, positionals } = parseArgs({ options: { smoke: { type: 'boolean' } }, allowPositionals: true })
if (positionals.length === 0) throw new Error('usage: dockerfile-rehearsal.ts [--smoke] <Dockerfile>…')

/** The service an image runs, from its CMD (`node services/backend/dist/main.js` → backend). */
function serviceOf(command: readonly string[]): StackService | null {
  const name = /^services\/([^/]+)\/dist\/main\.js$/.exec(command[1] ?? '')?.[1]
  return (STACK_SERVICES as readonly string[]).includes(name ?? '') ? (name as StackService) : null
}

const nodes = new Map<number, RehearsalNode>()
const outcomes = new Map<string, { ok: boolean; line: string }>()
const images = new Map<string, RehearsedImage>()
const scratches: string[] = []
let smokeNode: RehearsalNode | undefined
try {
  for (const path of positionals) {
    const scratch = mkdtempSync(join(tmpdir(), 'tarmac-image-'))
    scratches.push(scratch)
    const started = performance.now()
    try {
      const dockerfile = readDockerfile(resolve(ROOT, path))
      const major = nodeMajorOfImage(dockerfile.final.from)
      if (major === null)
        throw new Error(`the image starts from ${dockerfile.final.from}, not an official node image`)
      const node = nodes.get(major) ?? findNodeOfMajor(major)
      nodes.set(major, node)
      if (smokeNode && smokeNode.major !== major)
        throw new Error(
          `Node ${major} here, Node ${smokeNode.major} in another image: one stack runs one Node`,
        )
      smokeNode = node
      const context = join(scratch, 'context')
      const files = copyContext(context)
      process.stderr.write(`${path}: a clean context of ${files} files, Node ${node.version}\n`)
      const built = new Map<string, Built>()
      let final: Built | undefined
      for (const stage of dockerfile.stages) final = runStage(stage, context, built, scratch, node)
      // Only the final stage is kept for the smoke: the build stages hold every devDependency, three times over.
      for (const stage of built.values())
        if (stage !== final) rmSync(stage.root, { recursive: true, force: true })
      rmSync(context, { recursive: true, force: true })
      const modules = join(final!.root, final!.workdir, 'node_modules')
      // npm links every workspace whatever --workspace says; a link is not an installed devDependency.
      const dev = ['typescript', 'vitest', 'eslint', 'vite', 'playwright-core'].filter((name) =>
        existsSync(join(modules, name)),
      )
      if (dev.length > 0) throw new Error(`the final stage has devDependencies: ${dev.join(', ')}`)
      const command = dockerfile.final.instructions.find((i) => i.keyword === 'CMD')?.exec ?? []
      const service = serviceOf(command)
      if (values.smoke && !service)
        throw new Error(`cannot tell which service CMD ${command.join(' ')} starts`)
      if (service)
        images.set(path, { service, cwd: join(final!.root, final!.workdir), env: final!.env, command })
      const seconds = ((performance.now() - started) / 1000).toFixed(0)
      outcomes.set(path, {
        ok: true,
        line: `every stage built on Node ${node.version} in ${seconds} s; no devDependency in the image`,
      })
    } catch (error) {
      outcomes.set(path, { ok: false, line: (error as Error).message })
    }
  }
  if (values.smoke && smokeNode) {
    const smokeable = [...images].filter(([path]) => outcomes.get(path)?.ok)
    const smoked = await smokeStack(
      smokeable.map(([, image]) => image),
      smokeNode,
    ).catch((error: unknown) => (error as Error).message)
    for (const [path, image] of smokeable) {
      const result =
        typeof smoked === 'string'
          ? { ok: false, line: `the smoke could not run: ${smoked}` }
          : (smoked.get(image.service) ?? {
              ok: false,
              line: 'not started: an earlier service did not come up',
            })
      const before = outcomes.get(path)!
      outcomes.set(path, { ok: result.ok, line: `${before.line}; ${result.line}` })
    }
  }
} finally {
  for (const scratch of scratches) rmSync(scratch, { recursive: true, force: true })
}
let failures = 0
for (const path of positionals) {
  const outcome = outcomes.get(path) ?? { ok: false, line: 'not rehearsed' }
  if (!outcome.ok) failures++
  console.log(`${outcome.ok ? 'ok  ' : 'FAIL'} ${path}: ${outcome.line}`)
}
process.exit(failures === 0 ? 0 : 1)
