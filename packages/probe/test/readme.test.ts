import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PROBE_ERROR_CLASSES, PROBE_USAGE_ERROR_CODES, faultDomainOf } from '@tarmac/probe'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** Rows of the README's error tables: `| \`CODE\` | …cells… |`. */
function rowFor(code: string): string[] | undefined {
  const line = readme.split('\n').find((l) => l.startsWith(`| \`${code}\``))
  return line?.split('|').map((cell) => cell.trim())
}

describe('README', () => {
  it.each(PROBE_ERROR_CLASSES)('documents error class %s with its fault domain', (errorClass) => {
    const row = rowFor(errorClass)
    expect(row, `no table row for ${errorClass}`).toBeDefined()
    expect(row!.join(' ')).toContain(faultDomainOf(errorClass))
  })

  it.each(PROBE_USAGE_ERROR_CODES)('documents usage error %s', (code) => {
    expect(rowFor(code)).toBeDefined()
  })
})
