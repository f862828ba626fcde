import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CLIENT_FRAME_TYPES, SERVER_FRAME_TYPES } from '@tarmac/protocol'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('documents every WebSocket frame type', () => {
    for (const type of [...CLIENT_FRAME_TYPES, ...SERVER_FRAME_TYPES])
      expect(readme, type).toContain(`\`${type}\``)
  })
})
