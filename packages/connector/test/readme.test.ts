import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONNECTOR_ERROR_CODES } from '../src/index.js'

describe('README', () => {
  it('documents every error code in its errors table', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const documented = [...readme.matchAll(/^\| `(CONNECTOR_ERR_[A-Z_]+)`\s*\|/gm)].map((match) => match[1])
    expect(documented).toEqual([...CONNECTOR_ERROR_CODES])
  })
})
