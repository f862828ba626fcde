/**
 * Bundles a service's entry (`src/main.ts`) into `dist/main.js` with esbuild, after `tsc` has written the rest of
 * `dist/` (the package's exports and types). A cold start then reads and links a few files instead of hundreds
 * of modules: on this machine it took the backend's CPU to ready from ~690 ms to ~420 ms (bench/cold-start).
 *
 *   tsx ../../scripts/bundle-service.ts        # from a service's folder; its build script runs it
 *
 * Code split at dynamic imports (`main.ts` asks for its database connection before it imports the rest), chunks
 * flat in `dist/` so `new URL('../migrations', import.meta.url)` still points at the service's folder. Native
 * and optional modules stay external, resolved from node_modules at run time.
 */
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { readdirSync } from 'node:fs'
import { build } from 'esbuild'

/** Loaded from node_modules at run time: native addons, optional peers, dev-only tooling, wasm assets. */
export const EXTERNAL = [
  '@electric-sql/pglite',
  '@electric-sql/pglite-socket',
  '@node-rs/argon2',
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

export async function bundleService(serviceDir: string): Promise<void> {
  const outdir = join(serviceDir, 'dist')
  // Chunks of an earlier bundle (their names carry a content hash).
  for (const name of readdirSync(outdir))
    if (name.startsWith(CHUNK_PREFIX)) await rm(join(outdir, name), { force: true })
  await build({
    entryPoints: { main: join(serviceDir, 'src/main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@tarmac/source'],
    external: EXTERNAL,
    chunkNames: `${CHUNK_PREFIX}[name]-[hash]`,
    banner: { js: REQUIRE_SHIM },
    // Whitespace and syntax only: names stay readable in stack traces and logs.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  })
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bundle-service.ts'))
  await bundleService(resolve(process.argv[2] ?? process.cwd()))
