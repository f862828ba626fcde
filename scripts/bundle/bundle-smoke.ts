/**
 * The bundle smoke: a fresh Node process imports every non-entry chunk of a service's bundle (the entry starts the
 * service, so it is left alone) and every external package a dynamic import names, and checks that each package
 * gives the names the code reads — with Node's own module loader, as the service will at run time (Node detects
 * a CommonJS package's named exports itself; a bundler's chunk does not). Runs in the output directory, so bare
 * specifiers resolve from where the chunks are.
 */
import { execFile } from 'node:child_process'
import type { BundleProblem } from './bundle-problems.js'
import type { ExternalImportUse } from './bundle-check.js'

export interface BundleSmokeInput {
  /** Non-entry chunks, relative to the output directory. */
  readonly chunks: readonly string[]
  readonly externalUses: readonly ExternalImportUse[]
}

// Plain JavaScript for `node --input-type=module --eval`: reports problems as JSON on its last stdout line.
const SMOKE_SCRIPT = `
const { pathToFileURL } = await import('node:url')
const { chunks, externalUses } = JSON.parse(process.env.TARMAC_BUNDLE_SMOKE)
const base = pathToFileURL(process.cwd() + '/')
const firstLine = (error) => String(error instanceof Error ? error.message : error).split('\\n')[0]
const problems = []
for (const chunk of chunks) {
  try {
    await import(new URL(chunk, base).href)
  } catch (error) {
    problems.push({ kind: 'load-failed', chunk, message: 'importing it throws: ' + firstLine(error) })
  }
}
for (const use of externalUses) {
  let namespace
  try {
    namespace = await import(use.specifier)
  } catch (error) {
    problems.push({ kind: 'load-failed', chunk: use.chunk, specifier: use.specifier,
      message: 'import("' + use.specifier + '") throws: ' + firstLine(error) })
    continue
  }
  const missing = (use.names ?? []).filter((name) => !(name in namespace))
  if (missing.length > 0)
    problems.push({ kind: 'missing-export', chunk: use.chunk, specifier: use.specifier, missing,
      message: 'import("' + use.specifier + '") reads ' + missing.join(', ') + ', which Node does not find in ' +
        use.specifier + ' (it exports ' + (Object.keys(namespace).join(', ') || 'nothing') + ')' })
}
process.stdout.write('\\n' + JSON.stringify(problems) + '\\n')
process.exit(0)
`

/** Imports what `input` names in a fresh `node` (this one's binary) inside `outdir`; resolves with the problems. */
export function smokeBundle(outdir: string, input: BundleSmokeInput): Promise<BundleProblem[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', SMOKE_SCRIPT],
      {
        cwd: outdir,
        // A clean environment: nothing of the build's (NODE_OPTIONS, loaders) reaches what is imported.
        env: { PATH: process.env.PATH ?? '', TARMAC_BUNDLE_SMOKE: JSON.stringify(input) },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const last = stdout.trimEnd().split('\n').at(-1) ?? ''
        if (error || !last.startsWith('['))
          return reject(
            new Error(
              `the bundle smoke in ${outdir} did not finish (${error?.message ?? 'no report'}): ${stderr.slice(-2000)}`,
            ),
          )
        resolve(JSON.parse(last) as BundleProblem[])
      },
    )
  })
}
