/**
 * Runs a service Dockerfile's steps without Docker, on a clean copy of the build context: there is no Docker
 * daemon on these machines, so this is how CI proves that the npm steps an image build runs (npm ci, the build,
 * npm ci --omit=dev) work from what `.dockerignore` lets through, and that the final stage's tree starts.
 *
 *   npx tsx scripts/dockerfile-rehearsal.ts [--smoke] services/backend/Dockerfile [services/auth/Dockerfile …]
 *
 * Each stage is a directory; FROM <stage> copies it, WORKDIR/COPY/ENV are applied, RUN executes with `sh -c`
 * on this machine's Node (the images use node:20, as this machine does). The base image's own files are not
 * there: only what the Dockerfile adds. With --smoke, the final stage's CMD runs as the image would (its ENV,
 * a free PORT, dependencies pointed at closed ports) until /health/live answers 200, then gets SIGTERM.
 * Checked too: the final tree has no devDependency (typescript, vitest). Exit 0 when every Dockerfile passes.
 */
import { execFileSync, spawn } from 'node:child_process'
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
import { getFreePort } from '@tarmac/testing'
import { readDockerfile, type DockerStage } from './dockerfile-stages.js'

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

function runStage(stage: DockerStage, context: string, built: Map<string, Built>, scratch: string): Built {
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
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...state.env },
        stdio: ['ignore', 'ignore', 'inherit'],
      })
      process.stderr.write(`    ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
    }
  }
  built.set(stage.name ?? '', state)
  return state
}

/** Starts the final stage's CMD and waits for /health/live; resolves with what it saw. */
async function smoke(final: Built, command: readonly string[]): Promise<string> {
  const port = await getFreePort()
  const closed = await getFreePort()
  const child = spawn(command[0]!, command.slice(1), {
    cwd: join(final.root, final.workdir),
    env: {
      PATH: process.env.PATH ?? '',
      ...final.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      // Nothing to reach: the service must still start its HTTP server and answer liveness.
      DATABASE_URL: `postgres://nobody@127.0.0.1:${closed}/nothing`,
      AUTH_URL: `http://127.0.0.1:${closed}`,
      BACKEND_URL: `http://127.0.0.1:${closed}`,
      STARTUP_DEADLINE_MS: '60000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  try {
    for (let i = 0; i < 240; i++) {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before answering: ${stderr}`)
      const status = await fetch(`http://127.0.0.1:${port}/health/live`).then(
        (r) => r.status,
        () => 0,
      )
      if (status === 200) return `/health/live 200 after ${(i * 0.25).toFixed(1)} s`
      await new Promise((done) => setTimeout(done, 250))
    }
    throw new Error(`no /health/live 200 within 60 s: ${stderr}`)
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}

const { values, positionals } = parseArgs({ options: { smoke: { type: 'boolean' } }, allowPositionals: true })
if (positionals.length === 0) throw new Error('usage: dockerfile-rehearsal.ts [--smoke] <Dockerfile>…')
let failures = 0
for (const path of positionals) {
  const scratch = mkdtempSync(join(tmpdir(), 'tarmac-image-'))
  const started = performance.now()
  try {
    const dockerfile = readDockerfile(resolve(ROOT, path))
    const context = join(scratch, 'context')
    const files = copyContext(context)
    process.stderr.write(`${path}: a clean context of ${files} files\n`)
    const built = new Map<string, Built>()
    let final: Built | undefined
    for (const stage of dockerfile.stages) final = runStage(stage, context, built, scratch)
    const modules = join(final!.root, final!.workdir, 'node_modules')
    // npm links every workspace whatever --workspace says; a link is not an installed devDependency.
    const dev = ['typescript', 'vitest', 'eslint', 'vite', 'playwright-core'].filter((name) =>
      existsSync(join(modules, name)),
    )
    if (dev.length > 0) throw new Error(`the final stage has devDependencies: ${dev.join(', ')}`)
    let smoked = ''
    if (values.smoke)
      smoked = `; ${await smoke(final!, dockerfile.final.instructions.find((i) => i.keyword === 'CMD')?.exec ?? [])}`
    const seconds = ((performance.now() - started) / 1000).toFixed(0)
    console.log(`ok   ${path}: every stage built in ${seconds} s; no devDependency in the image${smoked}`)
  } catch (error) {
    failures++
    console.log(`FAIL ${path}: ${(error as Error).message}`)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}
process.exit(failures === 0 ? 0 : 1)
