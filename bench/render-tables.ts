/**
 * `npm run bench:tables`: renders every bench README's results tables from its results file
 * (bench/readme-tables.ts). With `--check` it only names the READMEs that differ, and exits 1 if any does.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { benchFolders, renderReadme } from './readme-tables.js'

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } })

let stale = 0
for (const folder of benchFolders()) {
  const readme = join(folder, 'README.md')
  const before = await readFile(readme, 'utf8')
  const after = await renderReadme(readme)
  if (after === before) continue
  stale++
  if (values.check) console.log(`differs from its results: ${readme}`)
  else {
    await writeFile(readme, after)
    console.log(`updated ${readme}`)
  }
}
if (values.check && stale > 0) process.exit(1)
