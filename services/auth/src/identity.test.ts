import { describe, expect, it } from 'vitest'
import { normalizeDisplayName, normalizeEmail } from './identity.js'

const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

describe('normalizeEmail', () => {
  it('trims, lower-cases, composes and punycodes the domain', () => {
    expect(normalizeEmail('  Ana.Smith@Example.COM ')).toBe('ana.smith@example.com')
    expect(normalizeEmail('ana@Bücher.de')).toBe('ana@xn--bcher-kva.de')
    // "é" decomposed (e + combining acute) and precomposed are one mailbox
    expect(normalizeEmail('re\u0301my@example.com')).toBe(normalizeEmail('r\u00e9my@example.com'))
    expect(normalizeEmail('ÄBC@example.com')).toBe('äbc@example.com')
  })

  it.each([
    '',
    'no-at-sign',
    '@example.com',
    'ana@',
    'ana@localhost',
    'ana@@example.com',
    'a b@example.com',
    'ana\u0000@example.com',
    'ana\u200b@example.com',
    'ana\ud800@example.com',
    'ana@exa mple.com',
    'ana@-example.com',
    `${'a'.repeat(65)}@example.com`,
    `ana@${'a'.repeat(250)}.com`,
  ])('rejects %j with INVALID_EMAIL', (input) => {
    expect(codeOf(() => normalizeEmail(input))).toBe('INVALID_EMAIL')
  })
})

describe('normalizeDisplayName', () => {
  it('keeps unicode, emoji and joiners; collapses whitespace', () => {
    expect(normalizeDisplayName('  Zoë   Ōkubo ')).toBe('Zoë Ōkubo')
    expect(normalizeDisplayName('👩‍💻 dev')).toBe('👩‍💻 dev')
    expect(normalizeDisplayName('李小龍')).toBe('李小龍')
  })

  it.each(['', '   ', '\u200d', 'a\u0000b', 'bad\u202eevil', 'x\udc00', 'n'.repeat(65)])(
    'rejects %j with INVALID_DISPLAY_NAME',
    (input) => {
      expect(codeOf(() => normalizeDisplayName(input))).toBe('INVALID_DISPLAY_NAME')
    },
  )
})
