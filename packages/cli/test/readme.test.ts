import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { VALIDATE_ERROR_CLASSES } from '../src/validate/sample.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('names every failure class validate reports', () => {
    for (const cls of VALIDATE_ERROR_CLASSES) expect(readme).toContain(`\`${cls}\``)
  })
})
