import fc from 'fast-check'
import { styleText } from 'node:util'
import { describe, expect, it } from 'vitest'
import { stripControls, stripControlsDeep, terminalSafe } from './terminal-text.js'

const ESC = '\u001b'
const BEL = '\u0007'

describe('stripControls', () => {
  it.each([
    ['plain text', 'tcp connect refused', 'tcp connect refused'],
    ['keeps tabs and newlines', 'a\tb\nc', 'a\tb\nc'],
    ['colours', `${ESC}[31mred${ESC}[0m`, 'red'],
    ['clear screen and home', `${ESC}[2J${ESC}[Hfake prompt`, 'fake prompt'],
    ['cursor up, erase line', `ok${ESC}[1A${ESC}[2K`, 'ok'],
    ['window title (OSC, BEL)', `${ESC}]0;pwned${BEL}text`, 'text'],
    ['clipboard write (OSC 52, ST)', `${ESC}]52;c;cm0gLXJmIH4=${ESC}\\after`, 'after'],
    ['hyperlink (OSC 8)', `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`, 'click'],
    ['an OSC never terminated', `${ESC}]0;title forever`, ''],
    ['DCS', `${ESC}Pq#0;2;0;0;0${ESC}\\x`, 'x'],
    ['two-character escapes (RIS, charset)', `${ESC}c${ESC}(0x`, 'x'],
    ['C1 CSI without ESC', '\u009b2Jx', '2Jx'],
    ['C1 OSC without ESC', '\u009d0;title\u0007x', 'x'],
    ['carriage return, backspace, NUL, DEL', 'a\rb\bc\u0000d\u007fe', 'abcde'],
    ['a lone ESC at the end', `x${ESC}`, 'x'],
    ['unicode text stays', 'Zürich — 東京 ✓', 'Zürich — 東京 ✓'],
  ])('%s', (_, input, expected) => {
    expect(stripControls(input)).toBe(expected)
  })

  const hasControl = (text: string) => /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text) // eslint-disable-line no-control-regex

  it('leaves no control character in any string (fuzz)', () => {
    const pieces = fc.oneof(
      fc.string(),
      fc.constantFrom(
        ESC,
        `${ESC}[`,
        `${ESC}]`,
        BEL,
        '\u009b',
        '\u009d',
        '\u009c',
        '\r',
        `${ESC}\\`,
        '\u0000',
      ),
      fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
    )
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const out = stripControls(parts.join(''))
        expect(hasControl(out)).toBe(false)
        expect(stripControls(out)).toBe(out) // idempotent
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('terminalSafe (the print boundary)', () => {
  it("keeps the CLI's own colours and nothing else", () => {
    const painted = styleText('red', 'FAIL')
    expect(terminalSafe(`${painted} ${ESC}]0;pwned${BEL}${ESC}[2Jdone\n`)).toBe(`${painted} done\n`)
  })

  it('leaves only SGR sequences (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom(ESC, `${ESC}[1m`, `${ESC}[`, BEL, '\u009b', '\r')), {
          maxLength: 30,
        }),
        (parts) => {
          const out = terminalSafe(parts.join('')).replace(/\u001b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
          expect(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(out)).toBe(false) // eslint-disable-line no-control-regex
        },
      ),
      { numRuns: 2_000 },
    )
  })
})

describe('stripControlsDeep', () => {
  it('cleans every string of a parsed body, keys included', () => {
    expect(
      stripControlsDeep({
        output: `${ESC}[2Jdown`,
        checks: { [`db${ESC}[8m`]: [{ observedValue: 3, note: 'a\rb' }] },
      }),
    ).toEqual({ output: 'down', checks: { db: [{ observedValue: 3, note: 'ab' }] } })
  })
})
