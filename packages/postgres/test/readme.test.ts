import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { POSTGRES_ERROR_CODES } from '../src/index.js'

describe('README', () => {
  it('documents every error code in the errors table with its retryable flag', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    for (const [code, { retryable }] of Object.entries(POSTGRES_ERROR_CODES)) {
      const row = readme.split('\n').find((line) => new RegExp(`^\\| \`${code}\` +\\|`).test(line))
      expect(row, code).toBeDefined()
      expect(row!.split('|')[2]?.trim(), code).toBe(retryable ? 'yes' : 'no')
    }
  })
})
