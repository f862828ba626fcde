/**
 * Whether each workspace's `dist/` is current, and a build of the ones that are not: what the artefact tier
 * (test/artefacts) needs before it runs the built services, so that `npm test` on a fresh clone, or after an
 * edit, tests the build of the sources in front of it — never a missing or an older one.
 *
 *   npx tsx scripts/build-freshness.ts          # says which workspaces are stale and why; exit 1 when any is
 *   npx tsx scripts/build-freshness.ts --build  # builds those (npm run build -w <each>), under the build lock
 *
 * A workspace is stale when one of its outputs is missing or older than one of its inputs: its sources (tests
 * excluded), its manifest and build config, the repository's build config and bundler script, the installed
 * dependencies (a bundle inlines them), and the same inputs of every workspace it depends on (a service bundles
 * their sources; a package compiles against their types).
 */
import { spawn } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs'
import { join, relative, resolve } from 'node:path'

/** Files outside any workspace that every build reads (the scripts a build runs are found in its command). */
const SHARED_INPUTS = ['tsconfig.base.json', 'tsconfig.build.json', 'node_modules/.package-lock.json']
/** Folders of a workspace whose files are build inputs (tests aside). */
const INPUT_DIRS = ['src', 'app']
const IS_TEST = /\.test\.tsx?$/

/** Where the lock that serialises builds of one checkout lives (also the build log). */
export const BUILD_LOCK_DIR = '.tarmac/build.lock'
export const BUILD_LOG = '.tarmac/artefact-build.log'

interface Manifest {
  name: string
  exports?: Record<string, { default?: string }>
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

/** One workspace that needs building, and the first reason found. */
export interface StaleWorkspace {
  readonly dir: string
  readonly reason: string
}

const readManifest = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Manifest

/** The workspaces in build order (the root `workspaces` list). */
export function workspaceDirs(root: string): string[] {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces
}

/** What a workspace's build writes that its users load: exports, the start script's file, the CLI, the app. */
export function outputsOf(root: string, dir: string): string[] {
  const manifest = readManifest(join(root, dir, 'package.json'))
  const outputs = Object.values(manifest.exports ?? {}).flatMap((target) =>
    target.default?.startsWith('./dist/') ? [target.default.slice(2)] : [],
  )
  const started = /^node (\S+)$/.exec(manifest.scripts?.start ?? '')?.[1]
  if (started) outputs.push(started)
  if (existsSync(join(root, dir, 'src/bin.ts'))) outputs.push('dist/bin.js')
  if (existsSync(join(root, dir, 'app'))) outputs.push('dist/public/index.html')
  return [...new Set(outputs)].map((path) => join(dir, path))
}

/** The newest input file of one workspace alone (its own folders and build files), or undefined if none. */
function newestOwnInput(root: string, dir: string): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined
  const consider = (path: string) => {
    const mtimeMs = statSync(join(root, path)).mtimeMs
    if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs }
  }
  const walk = (path: string) => {
    for (const entry of readdirSync(join(root, path), { withFileTypes: true })) {
      const child = join(path, entry.name)
      if (entry.isDirectory()) walk(child)
      else if (!IS_TEST.test(entry.name)) consider(child)
    }
  }
  for (const name of INPUT_DIRS) if (existsSync(join(root, dir, name))) walk(join(dir, name))
  for (const name of ['package.json', 'tsconfig.build.json'])
    if (existsSync(join(root, dir, name))) consider(join(dir, name))
  for (const script of buildScriptsOf(root, dir)) consider(script)
  return newest
}

/**
 * The repository scripts a workspace's build command runs (`tsx ../../scripts/bundle-service.ts`) and the files
 * they import, relative to the root.
 */
function buildScriptsOf(root: string, dir: string): string[] {
  const command = readManifest(join(root, dir, 'package.json')).scripts?.build ?? ''
  const found = new Set<string>()
  const follow = (path: string) => {
    if (found.has(path) || !existsSync(join(root, path)) || path.startsWith('..')) return
    found.add(path)
    for (const [, specifier] of readFileSync(join(root, path), 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g))
      follow(relative(root, resolve(root, path, '..', specifier!.replace(/\.js$/, '.ts'))))
  }
  for (const [token] of command.matchAll(/\S+\.(?:ts|mjs|js)\b/g))
    if (token.startsWith('.')) follow(relative(root, resolve(root, dir, token)))
  return [...found]
}

/** Every stale workspace, in build order, each with the first reason found. */
export function staleWorkspaces(root: string): StaleWorkspace[] {
  const dirs = workspaceDirs(root)
  const byName = new Map(dirs.map((dir) => [readManifest(join(root, dir, 'package.json')).name, dir]))
  const shared = SHARED_INPUTS.filter((path) => existsSync(join(root, path))).map((path) => ({
    path,
    mtimeMs: statSync(join(root, path)).mtimeMs,
  }))
  /** A workspace and the workspaces it depends on, transitively. */
  const closure = (dir: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(dir)) return seen
    seen.add(dir)
    const manifest = readManifest(join(root, dir, 'package.json'))
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
      const dependency = byName.get(name)
      if (dependency) closure(dependency, seen)
    }
    return seen
  }
  const stale: StaleWorkspace[] = []
  for (const dir of dirs) {
    const outputs = outputsOf(root, dir)
    const missing = outputs.find((path) => !existsSync(join(root, path)))
    if (missing) {
      stale.push({ dir, reason: `${relative(dir, missing)} is missing` })
      continue
    }
    const oldest = outputs
      .map((path) => ({ path, mtimeMs: statSync(join(root, path)).mtimeMs }))
      .reduce((a, b) => (b.mtimeMs < a.mtimeMs ? b : a))
    const inputs = [...closure(dir)].flatMap((each) => newestOwnInput(root, each) ?? []).concat(shared)
    const newer = inputs.find((input) => input.mtimeMs > oldest.mtimeMs)
    if (newer) stale.push({ dir, reason: `${relative(dir, oldest.path)} is older than ${newer.path}` })
  }
  return stale
}

/** A held lock; `release` is idempotent. */
interface BuildLock {
  release(): void
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the checkout's build lock (a directory holding the owner's pid): one build at a time, whatever started
 * it. A lock whose owner is gone is taken over.
 */
async function lockBuild(root: string, say: (line: string) => void): Promise<BuildLock> {
  const dir = join(root, BUILD_LOCK_DIR)
  mkdirSync(join(dir, '..'), { recursive: true })
  let waitingFor: number | undefined
  for (;;) {
    try {
      mkdirSync(dir)
      closeSync(openSync(join(dir, String(process.pid)), 'w'))
      return { release: () => rmSync(dir, { recursive: true, force: true }) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = Number(readdirSync(dir).find((name) => /^\d+$/.test(name)))
    if (owner && !alive(owner)) rmSync(dir, { recursive: true, force: true })
    else if (!owner && Date.now() - statSync(dir).mtimeMs > 10_000)
      rmSync(dir, { recursive: true, force: true })
    else {
      if (owner && owner !== waitingFor) say(`waiting for the build that process ${owner} is running`)
      waitingFor = owner
      await new Promise((done) => setTimeout(done, 500))
    }
  }
}

/** Runs `npm run build -w <dir>`, appending its output to the build log; rejects with its last lines. */
function buildWorkspace(root: string, dir: string, log: (text: string) => void): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', 'build', '-w', dir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    })
    let tail = ''
    const keep = (chunk: Buffer) => {
      log(chunk.toString())
      tail = (tail + chunk.toString()).slice(-3_000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.once('error', fail)
    child.once('close', (code) =>
      code === 0
        ? done()
        : fail(
            new Error(
              `\`npm run build -w ${dir}\` failed (exit ${code}); its last lines:\n${tail.trim().split('\n').slice(-25).join('\n')}`,
            ),
          ),
    )
  })
}

/**
 * Builds every stale workspace, in build order, under the build lock; a no-op when the build is current. Says
 * what it builds and why (`say`), and on failure throws an error naming the workspace, its last output lines and
 * the full log.
 */
export async function ensureCurrentBuild(
  root: string,
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<{ built: string[]; durationMs: number }> {
  const startedMs = performance.now()
  if (staleWorkspaces(root).length === 0) return { built: [], durationMs: 0 }
  const lock = await lockBuild(root, say)
  try {
    // Another run may have built while this one waited for the lock.
    const stale = staleWorkspaces(root)
    const logPath = join(root, BUILD_LOG)
    rmSync(logPath, { force: true })
    const logFd = openSync(logPath, 'a')
    try {
      for (const { dir, reason } of stale) {
        say(`building ${dir} (${reason})`)
        await buildWorkspace(root, dir, (text) => writeSync(logFd, text)).catch((error: unknown) => {
          // A failed step may have written some outputs (tsc emits despite type errors): date them back, so the
          // next run does not take a half-made build for a current one.
          for (const output of outputsOf(root, dir))
            if (existsSync(join(root, output))) utimesSync(join(root, output), 0, 0)
          throw error
        })
      }
    } catch (error) {
      throw new Error(
        `the build the artefact tier tests could not be made: ${(error as Error).message}\n(full log: ${BUILD_LOG}; \`npm run build\` at the root shows the same)`,
      )
    } finally {
      closeSync(logFd)
    }
    return { built: stale.map((s) => s.dir), durationMs: performance.now() - startedMs }
  } finally {
    lock.release()
  }
}

if (process.argv[1]?.endsWith('build-freshness.ts')) {
  const root = resolve(import.meta.dirname, '..')
  if (process.argv.includes('--build')) {
    const { built, durationMs } = await ensureCurrentBuild(root)
    console.log(built.length ? `built ${built.join(', ')} in ${(durationMs / 1000).toFixed(0)} s` : 'current')
  } else {
    const stale = staleWorkspaces(root)
    for (const { dir, reason } of stale) console.log(`stale ${dir}: ${reason}`)
    if (stale.length === 0) console.log('every workspace is built and current')
    process.exitCode = stale.length === 0 ? 0 : 1
  }
}
