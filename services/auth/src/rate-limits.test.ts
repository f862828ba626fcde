import { describe, expect, it } from 'vitest'
import { normalizeEmail } from './identity.js'
import { accountKeyOf } from './rate-limits.js'

describe('accountKeyOf', () => {
  it('is the account the lookup finds, for every spelling of its domain', () => {
    const variants = [
      'v@exam\u00ADple.com', // soft hyphen
      'v@example\u3002com', // ideographic full stop
      'v@example\uFF0Ecom', // fullwidth full stop
      'v@example\uFF61com', // halfwidth ideographic full stop
      'v@ＥＸＡＭＰＬＥ.com', // fullwidth letters
      ' V@Example.COM ',
      'v@exam\u200Bple.com', // zero-width space
    ]
    for (const email of variants) {
      expect(normalizeEmail(email), JSON.stringify(email)).toBe('v@example.com')
      expect(accountKeyOf(email), JSON.stringify(email)).toBe('v@example.com')
    }
  })

  it('keeps emails the lookup refuses apart from real accounts', () => {
    expect(accountKeyOf('v\u200B@example.com')).toMatch(/^invalid:/)
    expect(accountKeyOf(42)).toBe('')
  })
})
