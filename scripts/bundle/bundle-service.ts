/**
 * Bundles a service's entry (`src/main.ts`) into `dist/main.js` with esbuild, after `tsc` has written the rest of
 * `dist/` (the package's exports and types). A cold start then reads and links a few files instead of hundreds
 * of modules: on this machine it took the backend's CPU to ready from ~690 ms to ~420 ms (bench/cold-start).
 *
 *   tsx ../../scripts/bundle/bundle-service.ts        # from a service's folder; its build script runs it
 *
 * Worker threads' scripts (`src/*-worker.ts`) are entries too. Code split at dynamic imports (`main.ts` asks for its database connection before it imports the rest), chunks
 * flat in `dist/` so `new URL('../migrations', import.meta.url)` still points at the service's folder. Native
 * and optional modules stay external, resolved from node_modules at run time. Then the bundle is checked
 * (bundle-check.ts, bundle-smoke.ts): the build fails when a dynamic import reads a name its target does not
 * export, or a chunk does not load in a fresh Node process.
 */
import { rm } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { existsSync, readdirSync } from 'node:fs'
import { build } from 'esbuild'
import { checkChunkExports } from './bundle-check.js'
import { BundleCheckError } from './bundle-problems.js'
import { smokeBundle } from './bundle-smoke.js'
import { sourcePatchPlugin } from './node-only-patches.js'

/**
 * Loaded from node_modules at run time: native addons, optional peers, dev-only tooling, wasm assets — and
 * CommonJS packages the code imports dynamically (ioredis): bundled, such a package becomes a chunk that exports
 * only `default`, so `const { Redis } = await import('ioredis')` reads undefined; left to Node, its CommonJS
 * named exports are detected. Each is a runtime dependency of the service that imports it, so it is in the image.
 */
export const EXTERNAL = [
  '@electric-sql/pglite',
  '@electric-sql/pglite-socket',
  '@node-rs/argon2',
  'ioredis',
  'pg-native',
  'bufferutil',
  'utf-8-validate',
  'vite',
  'pino-pretty',
]

/** CommonJS dependencies inside an ES module bundle still call `require` for Node's built-ins. */
const REQUIRE_SHIM =
  "import { createRequire as __tarmacCreateRequire } from 'node:module'; const require = __tarmacCreateRequire(import.meta.url);"

const CHUNK_PREFIX = 'bundle-'

export interface BundleOptions {
  /** Where the bundle goes; `<serviceDir>/dist` by default (tests bundle into a folder of their own). */
  readonly outdir?: string
  /** Packages left to Node at run time; `EXTERNAL` by default. */
  readonly external?: readonly string[]
}

export interface BundleResult {
  readonly outdir: string
  /** Non-entry chunks the smoke imported, relative to `outdir`. */
  readonly chunks: readonly string[]
}

/**
 * `src/main.ts`, and each worker thread's script (`src/*-worker.ts`, loaded by `new Worker(new URL(…))` from a chunk
 * beside it): a worker is an entry of its own, smoked like a chunk (imported outside a worker, it must do nothing).
 */
function entryPointsOf(serviceDir: string): Record<string, string> {
  const workers = readdirSync(join(serviceDir, 'src')).filter((name) => name.endsWith('-worker.ts'))
  const entries: Record<string, string> = { main: join(serviceDir, 'src/main.ts') }
  for (const name of workers) entries[name.replace(/\.ts$/, '')] = join(serviceDir, 'src', name)
  return entries
}

/** Bundles, checks and smokes one service; throws a `BundleCheckError` naming every problem found. */
export async function bundleService(serviceDir: string, options: BundleOptions = {}): Promise<BundleResult> {
  const outdir = resolve(options.outdir ?? join(serviceDir, 'dist'))
  // Chunks of an earlier bundle (their names carry a content hash).
  if (existsSync(outdir))
    for (const name of readdirSync(outdir))
      if (name.startsWith(CHUNK_PREFIX)) await rm(join(outdir, name), { force: true })
  const result = await build({
    absWorkingDir: resolve(serviceDir),
    entryPoints: entryPointsOf(serviceDir),
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@tarmac/source'],
    external: [...(options.external ?? EXTERNAL)],
    chunkNames: `${CHUNK_PREFIX}[name]-[hash]`,
    banner: { js: REQUIRE_SHIM },
    // Whitespace and syntax only: names stay readable in stack traces and logs.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
    metafile: true,
    // Node-only: drop dependencies' checks for other runtimes that cost every cold start (node-only-patches.ts).
    plugins: [sourcePatchPlugin()],
  })
  const checked = checkChunkExports(result.metafile, resolve(serviceDir), outdir, ['main.js'])
  const smoked = await smokeBundle(outdir, checked)
  const problems = [...checked.problems, ...smoked]
  if (problems.length > 0) throw new BundleCheckError(basename(resolve(serviceDir)), problems)
  return { outdir, chunks: checked.chunks }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bundle-service.ts')) {
  try {
    await bundleService(resolve(process.argv[2] ?? process.cwd()))
  } catch (error) {
    // The build's own failure: the message is the report, a stack trace would only bury it.
    if (!(error instanceof BundleCheckError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}
