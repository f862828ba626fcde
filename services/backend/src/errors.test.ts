import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CLIENT_FRAME_TYPES, RETRYABLE_ERROR_CODES, SERVER_FRAME_TYPES } from '@tarmac/protocol'
import { BACKEND_ERROR_CODES, SHARED_ERROR_CODES_USED } from './errors.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('documents every WebSocket frame type', () => {
    for (const type of [...CLIENT_FRAME_TYPES, ...SERVER_FRAME_TYPES])
      expect(readme, type).toContain(`\`${type}\``)
  })
})

describe('retryable codes', () => {
  it('every code @tarmac/protocol calls retryable is one the backend answers with, and the README says so', () => {
    const known = new Set<string>([...BACKEND_ERROR_CODES, ...SHARED_ERROR_CODES_USED])
    for (const code of RETRYABLE_ERROR_CODES) {
      expect(known.has(code), code).toBe(true)
      expect(readme, code).toContain(`\`${code}\``)
    }
  })
})
