import { readdirSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { benchFolders, renderReadme } from './readme-tables.js'
import { resultsProblems } from './results-file.js'

const folders = benchFolders().map((folder) => [basename(folder), folder] as const)

describe('every bench README shows what its results file holds', () => {
  it('finds the benches', () => {
    expect(folders.map(([name]) => name)).toEqual(
      expect.arrayContaining(['chat', 'cold-start', 'startup-storm']),
    )
  })

  it.each(folders)(
    '%s: its README tables are the rendering of its results (run `npm run bench:tables`)',
    async (_name, folder) => {
      const readme = join(folder, 'README.md')
      const text = await readFile(readme, 'utf8')
      expect(text).toContain('<!-- bench-table:begin ')
      expect(text).toBe(await renderReadme(readme))
    },
  )

  it.each(folders)(
    '%s: results.json is its only results file, and every run in it has a label and provenance',
    (name, folder) => {
      expect(readdirSync(folder).filter((file) => file.startsWith('results'))).toEqual(['results.json'])
      const file = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as unknown
      expect(resultsProblems(file, name)).toEqual([])
    },
  )
})
