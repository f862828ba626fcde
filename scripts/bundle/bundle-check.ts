/**
 * The bundle check: after esbuild has written a service's bundle, every dynamic import in it must resolve to a
 * chunk that exports the names the code reads. esbuild's metafile gives each chunk's exports and dynamic imports;
 * dynamic-import-uses.ts reads the names each import site takes. What the metafile cannot know — what an external
 * package exports to Node at run time, and whether each chunk loads — the bundle smoke checks (bundle-smoke.ts).
 *
 * Why: with code splitting, `const { Redis } = await import('ioredis')` became a chunk ending in
 * `export default require_built3()` — a CommonJS package in a chunk of its own exports only `default` — so `Redis`
 * was undefined and every backend with `REDIS_URL` failed in phase `cache` with `TypeError: Redis is not a
 * constructor`, while the tests (which run the sources) passed.
 */
import { readFileSync } from 'node:fs'
import { basename, dirname, relative, resolve } from 'node:path'
import type { Metafile } from 'esbuild'
import { COMMONJS_HINT, type BundleProblem } from './bundle-problems.js'
import { findDynamicImportUses } from './dynamic-import-uses.js'

/** A dynamic import of a package left external: only Node, at run time, knows what it exports. */
export interface ExternalImportUse {
  /** The importing file, relative to the output directory. */
  readonly chunk: string
  readonly specifier: string
  readonly names: readonly string[] | null
}

export interface ChunkCheck {
  readonly problems: readonly BundleProblem[]
  /** Every JavaScript file of the build except the entry files, relative to the output directory. */
  readonly chunks: readonly string[]
  readonly externalUses: readonly ExternalImportUse[]
}

const list = (names: readonly string[]) => (names.length === 0 ? 'nothing' : names.join(', '))

/**
 * Checks every dynamic import of one build against the exports esbuild says its target has.
 * `absWorkingDir` is the directory the metafile's paths are relative to (esbuild's working directory); `entries`
 * are the entry files (`main.js`), which start the service when imported. (esbuild's metafile marks every
 * dynamically imported chunk as an entry point too, so that cannot tell them apart.)
 */
export function checkChunkExports(
  metafile: Metafile,
  absWorkingDir: string,
  outdir: string,
  entries: readonly string[],
): ChunkCheck {
  const outputs = new Map(
    Object.entries(metafile.outputs)
      .filter(([path]) => path.endsWith('.js'))
      .map(([path, output]) => [resolve(absWorkingDir, path), output]),
  )
  const problems: BundleProblem[] = []
  const externalUses: ExternalImportUse[] = []
  const chunks: string[] = []
  for (const [file, output] of outputs) {
    const chunk = relative(outdir, file)
    if (!entries.includes(chunk)) chunks.push(chunk)
    const uses = findDynamicImportUses(readFileSync(file, 'utf8'))
    const found = new Set<string>()
    for (const use of uses) {
      const at = `import("${use.specifier}") at line ${use.line}`
      if (!use.specifier.startsWith('.')) {
        found.add(use.specifier)
        externalUses.push({ chunk, specifier: use.specifier, names: use.names })
        continue
      }
      const targetFile = resolve(dirname(file), use.specifier)
      found.add(targetFile)
      const target = outputs.get(targetFile)
      const base = { chunk, specifier: use.specifier }
      if (!target) {
        problems.push({ ...base, kind: 'unresolved-import', message: `${at} names no file of this build` })
        continue
      }
      const exported = target.exports
      const onlyDefault = exported.every((name) => name === 'default')
      if (use.names === null) {
        if (onlyDefault)
          problems.push({
            ...base,
            kind: 'unknown-names',
            message:
              `${at}: the code uses the namespace in a way the check cannot read (destructure the names), and ` +
              `${basename(targetFile)} exports only ${list(exported)} — ${COMMONJS_HINT}`,
          })
        continue
      }
      const missing = use.names.filter((name) => !exported.includes(name))
      if (missing.length > 0)
        problems.push({
          ...base,
          kind: 'missing-export',
          missing,
          message:
            `${at} reads ${list(missing)}, which ${basename(targetFile)} does not export (it exports ` +
            `${list(exported)})${onlyDefault ? ` — ${COMMONJS_HINT}` : ''}`,
        })
    }
    // A dynamic import esbuild recorded that the parser did not see would go unchecked: say so instead.
    for (const entry of output.imports) {
      if (entry.kind !== 'dynamic-import') continue
      const key = entry.external ? entry.path : resolve(absWorkingDir, entry.path)
      if (!found.has(key))
        problems.push({
          chunk,
          specifier: entry.path,
          kind: 'unanalysed-import',
          message: `esbuild lists a dynamic import of ${entry.path} that the check did not find in the code`,
        })
    }
  }
  return { problems, chunks: chunks.sort(), externalUses }
}
