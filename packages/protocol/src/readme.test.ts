import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CLIENT_FRAME_TYPES } from './client-frames.js'
import { SERVER_FRAME_TYPES } from './frame-types.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('has a row for every frame type', () => {
    for (const type of [...CLIENT_FRAME_TYPES, ...SERVER_FRAME_TYPES])
      expect(readme, type).toMatch(new RegExp(`^\\| \`${type.replace('.', '\\.')}\` `, 'm'))
  })
})
