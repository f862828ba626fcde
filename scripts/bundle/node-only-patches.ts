/**
 * Text patches esbuild applies to a few dependencies as it bundles them, where a check meant for another
 * runtime, or code no service uses, costs every cold start on Node. Each patch names the exact text it replaces:
 * a dependency upgrade that changes it fails the build (`BUNDLE_ERR_PATCH_STALE`) instead of silently shipping
 * the slow path again.
 */
import { readFile } from 'node:fs/promises'
import type { Plugin } from 'esbuild'

export interface SourcePatch {
  /** Which file, by the end of its path (`/` separators). */
  readonly file: RegExp
  readonly find: string
  readonly replace: string
  /** Replace the whole file with `replace` (once `find` is found in it), not just the text `find`. */
  readonly wholeFile?: boolean
  /** Why, for the build's error and the reader. */
  readonly why: string
}

export const NODE_ONLY_PATCHES: readonly SourcePatch[] = [
  {
    // pg asks "is this a Cloudflare Worker?" when pg/lib/stream.js loads. On Node 20 (no `navigator`) it falls
    // back to `typeof Response` and `new Response(…)`: touching that global loads Node's whole fetch
    // implementation (undici), ~20–30 ms of CPU of a ~300 ms cold start, for an answer that is always "no" here.
    file: /\/node_modules\/pg\/lib\/stream\.js$/,
    find: "if (typeof Response === 'function') {",
    replace: 'if (false) {',
    why: "pg's Cloudflare check loads Node's fetch (undici) on Node 20",
  },
  {
    // zod re-exports every locale as a namespace (`z.locales`, `z.core.locales`), so a bundle carries all ~50
    // of them: ~300 kB of a ~2.5 MB bundle that V8 compiles on every cold start. Zod's messages are English (its
    // classic entry imports `locales/en.js` itself); our code never selects another locale. `z.locales` keeps
    // only `en` in a bundle.
    file: /\/node_modules\/zod\/v4\/locales\/index\.js$/,
    find: 'export { default as en } from "./en.js";',
    replace: 'export { default as en } from "./en.js";\n',
    wholeFile: true,
    why: "zod's locales other than English, which no service selects",
  },
]

export class PatchStaleError extends Error {
  readonly code = 'BUNDLE_ERR_PATCH_STALE'
}

/** An esbuild plugin applying `patches` (each must find its text in the file it names). */
export function sourcePatchPlugin(patches: readonly SourcePatch[] = NODE_ONLY_PATCHES): Plugin {
  return {
    name: 'tarmac-node-only-patches',
    setup(build) {
      for (const patch of patches) {
        build.onLoad({ filter: patch.file }, async ({ path }) => {
          const text = await readFile(path, 'utf8')
          if (!text.includes(patch.find))
            throw new PatchStaleError(
              `${path} no longer contains "${patch.find}" (${patch.why}): update scripts/bundle/node-only-patches.ts`,
            )
          return {
            contents: patch.wholeFile ? patch.replace : text.replace(patch.find, patch.replace),
            loader: 'js',
          }
        })
      }
    },
  }
}
