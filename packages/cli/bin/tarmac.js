#!/usr/bin/env node
// The `tarmac` command (`npx tarmac`, the package's bin). Runs the built CLI, dist/bin.js, when the build is
// there and newer than the sources; otherwise — a fresh clone after `npm install`, or sources edited since the
// last build — runs src/bin.ts through tsx in this same process (signals and exit codes are the CLI's own).
// TARMAC_FROM_SOURCE=1 always runs the sources; TARMAC_FROM_SOURCE=0 always the build.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { register } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('..', import.meta.url))
const built = join(cli, 'dist/bin.js')
const source = join(cli, 'src/bin.ts')

/** The newest modification time among the TypeScript sources of every workspace package. */
function newestSourceMs() {
  const packages = join(cli, '..')
  let newest = 0
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  for (const name of readdirSync(packages)) {
    const src = join(packages, name, 'src')
    if (existsSync(src)) walk(src)
  }
  return newest
}

function useBuild() {
  const forced = process.env.TARMAC_FROM_SOURCE
  if (forced === '0') return true
  if (forced === '1' || !existsSync(built)) return false
  if (!existsSync(source)) return true // an installed package: no sources to prefer
  return statSync(built).mtimeMs >= newestSourceMs()
}

if (useBuild()) {
  await import(new URL('../dist/bin.js', import.meta.url).href)
} else {
  let tsx
  try {
    tsx = await import('tsx/esm/api')
  } catch {
    process.stderr.write(
      `tarmac: ${existsSync(built) ? 'the build in dist/ is older than the sources' : 'not built yet'} and tsx is not installed to run the sources: run npm install (or npm run build) at the repository root\n`,
    )
    process.exit(3)
  }
  // Workspace packages resolve to their TypeScript sources (the `@tarmac/source` export condition), as in tests.
  register(new URL('./source-condition.js', import.meta.url))
  tsx.register()
  await import(new URL('../src/bin.ts', import.meta.url).href)
}
