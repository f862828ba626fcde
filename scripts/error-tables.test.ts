import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createFaultModel } from '@tarmac/faults'
import { errorTableBlock, findErrorTableBlock } from './error-table.js'
import { ERROR_TABLES } from './error-tables.js'

describe('the fault model: every catalog, every README', () => {
  it('merges every package and service catalog into one valid model (no code declared two ways)', () => {
    const owners = new Set<string>()
    const catalogs = ERROR_TABLES.map((table) => table.catalog).filter(
      (c) => !owners.has(c.owner) && owners.add(c.owner),
    )
    const model = createFaultModel(...catalogs)
    expect(model.codes.length).toBeGreaterThan(100)
    for (const { catalog } of ERROR_TABLES) expect(catalog.codes.length, catalog.owner).toBeGreaterThan(0)
  })

  it.each(ERROR_TABLES.map((table) => [table.readme, table.catalog.owner, table] as const))(
    '%s has the %s error table its catalog generates (run `npm run docs:errors` after changing errors.ts)',
    (readme, _owner, { catalog, extra }) => {
      const text = readFileSync(new URL(`../${readme}`, import.meta.url), 'utf8')
      expect(findErrorTableBlock(text, catalog.owner)).toBe(errorTableBlock(catalog, extra))
    },
  )
})
