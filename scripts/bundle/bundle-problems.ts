/**
 * What the bundle check (bundle-check.ts) and the bundle smoke (bundle-smoke.ts) can find wrong with a service's
 * bundle, and the one error a build fails with: every problem on its own line, naming the chunk, the import and
 * the export.
 */

export const BUNDLE_PROBLEM_KINDS = [
  /** The code reads a name the imported module does not export. */
  'missing-export',
  /** A chunk exports only `default` and the code uses the namespace in a way the check cannot read. */
  'unknown-names',
  /** A relative dynamic import that names no file of this build. */
  'unresolved-import',
  /** esbuild's metafile lists a dynamic import the check did not find in the output. */
  'unanalysed-import',
  /** A chunk (or a module a dynamic import names) throws when a fresh Node process imports it. */
  'load-failed',
] as const
export type BundleProblemKind = (typeof BUNDLE_PROBLEM_KINDS)[number]

export interface BundleProblem {
  readonly kind: BundleProblemKind
  /** The file the problem is in, relative to the output directory: `bundle-run-backend-V3XQ4KYZ.js`. */
  readonly chunk: string
  /** The dynamic import's specifier as written, when the problem is about one. */
  readonly specifier?: string
  /** The names the code reads that are not exported. */
  readonly missing?: readonly string[]
  readonly message: string
}

/** Said with a chunk that exports only `default`: why, and the fix. */
export const COMMONJS_HINT =
  'a CommonJS package bundled into a chunk of its own exports only `default`; list it in EXTERNAL ' +
  "(scripts/bundle/bundle-service.ts) so Node's CommonJS named exports apply"

export class BundleCheckError extends Error {
  readonly code = 'BUNDLE_ERR_CHECK_FAILED'
  constructor(
    readonly service: string,
    readonly problems: readonly BundleProblem[],
  ) {
    super(
      `bundle check failed for ${service}: ${problems.length} problem(s)\n` +
        problems.map((p) => `  - [${p.kind}] ${p.chunk}: ${p.message}`).join('\n'),
    )
    this.name = 'BundleCheckError'
  }
}
