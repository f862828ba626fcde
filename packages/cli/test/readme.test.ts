import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CLI_ERROR_CODES, VALIDATE_ERROR_CLASSES } from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('documents every error code in the errors table', () => {
    for (const code of CLI_ERROR_CODES) expect(readme).toMatch(new RegExp(`\\| \`${code}\`\\s+\\|`))
  })
  it('names every failure class validate reports', () => {
    for (const cls of VALIDATE_ERROR_CLASSES) expect(readme).toContain(`\`${cls}\``)
  })
})
