import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BACKEND_ERROR_CODES, SHARED_ERROR_CODES_USED } from './errors.js'
import { CLIENT_FRAME_TYPES, SERVER_FRAME_TYPES } from './ws-protocol.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('documents every error code the backend answers with', () => {
    for (const code of [...BACKEND_ERROR_CODES, ...SHARED_ERROR_CODES_USED])
      expect(readme, code).toContain(`\`${code}\``)
  })

  it('documents every WebSocket frame type', () => {
    for (const type of [...CLIENT_FRAME_TYPES, ...SERVER_FRAME_TYPES])
      expect(readme, type).toContain(`\`${type}\``)
  })
})
