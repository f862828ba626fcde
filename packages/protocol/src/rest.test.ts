import { describe, expect, it } from 'vitest'
import { newThreadBodySchema } from './rest.js'

describe('newThreadBodySchema', () => {
  it('takes an optional trimmed title and refuses unknown keys and unstorable text', () => {
    expect(newThreadBodySchema.parse({})).toEqual({})
    expect(newThreadBodySchema.parse({ title: '  Plans ' })).toEqual({ title: 'Plans' })
    expect(newThreadBodySchema.safeParse({ title: 'x', colour: 'red' }).success).toBe(false)
    expect(newThreadBodySchema.safeParse({ title: 'a\u0000' }).success).toBe(false)
    expect(newThreadBodySchema.safeParse({ title: 'x'.repeat(201) }).success).toBe(false)
  })
})
