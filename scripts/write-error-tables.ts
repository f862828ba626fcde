/** `npm run docs:errors`: regenerates every README's error table from its package's fault catalog. */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { withErrorTable } from './error-table.js'
import { ERROR_TABLES } from './error-tables.js'

const root = fileURLToPath(new URL('../', import.meta.url))
for (const { readme, catalog, extra } of ERROR_TABLES) {
  const path = `${root}${readme}`
  const before = await readFile(path, 'utf8')
  const after = withErrorTable(before, catalog, extra)
  if (after !== before) {
    await writeFile(path, after)
    console.log(`updated ${readme}`)
  }
}
