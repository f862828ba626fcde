import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SERVICE_ERROR_CODES } from './errors.js'

describe('error codes', () => {
  it('are all documented in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    for (const code of SERVICE_ERROR_CODES) expect(readme, code).toContain(`\`${code}\``)
  })
})
