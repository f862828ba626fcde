import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AUTH_ERROR_CODES, AUTH_ROUTES, authConfigSchema, SHARED_ERROR_CODES_USED } from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const tableRow = (cell: string) =>
  new RegExp(`^\\| \`${cell.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\` +\\|`, 'm')

describe('README', () => {
  it.each([...AUTH_ERROR_CODES, ...SHARED_ERROR_CODES_USED])('documents the error code %s', (code) => {
    expect(readme).toMatch(tableRow(code))
  })

  it.each(Object.keys(authConfigSchema.shape))('documents the variable %s', (variable) => {
    expect(readme).toMatch(tableRow(variable))
  })

  it.each(AUTH_ROUTES)('documents %s', (route) => {
    expect(readme).toMatch(tableRow(route))
  })
})
