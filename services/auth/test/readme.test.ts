import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AUTH_ROUTES, authConfigSchema } from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const tableRow = (cell: string) =>
  new RegExp(`^\\| \`${cell.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\` +\\|`, 'm')

describe('README', () => {
  it.each(Object.keys(authConfigSchema.shape))('documents the variable %s', (variable) => {
    expect(readme).toMatch(tableRow(variable))
  })

  it.each(AUTH_ROUTES)('documents %s', (route) => {
    expect(readme).toMatch(tableRow(route))
  })
})
