import { describe, expect, it } from 'vitest'
import { isEmbeddedVersion } from './capacity.js'

describe('isEmbeddedVersion', () => {
  it('recognises PGlite and nothing else', () => {
    expect(isEmbeddedVersion('PostgreSQL 18.6 (PGlite 0.5.14) on wasm32-unknown-emscripten')).toBe(true)
    expect(isEmbeddedVersion('PostgreSQL 15.8 (Debian 15.8-1.pgdg120+1) on x86_64-pc-linux-gnu')).toBe(false)
  })
})
