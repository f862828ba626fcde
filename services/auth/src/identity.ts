import { domainToASCII } from 'node:url'
import { AuthError } from './errors.js'

export const EMAIL_MAX_LENGTH = 254
export const DISPLAY_NAME_MAX_LENGTH = 64

// Control, format (zero-width joiners, bidi overrides), unassigned, private-use and lone surrogate code points.
const INVISIBLE_OR_BROKEN = /[\p{C}]/u
const WHITESPACE = /\s/u

/**
 * Normalises an email so one mailbox has one account: NFC, trimmed, lower-cased, the domain in its ASCII
 * (punycode) form. Throws `INVALID_EMAIL` for anything that is not `local@domain.tld`.
 * @example normalizeEmail(' Ana@Bücher.DE ') // 'ana@xn--bcher-kva.de'
 */
export function normalizeEmail(input: string): string {
  const email = input.normalize('NFC').trim().toLowerCase()
  const at = email.lastIndexOf('@')
  const local = email.slice(0, at)
  const domain = at === -1 ? '' : domainToASCII(email.slice(at + 1))
  const valid =
    at > 0 &&
    local.length <= 64 &&
    !local.includes('@') &&
    !INVISIBLE_OR_BROKEN.test(local) &&
    !WHITESPACE.test(local) &&
    /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain) &&
    !domain.split('.').some((label) => label.startsWith('-') || label.endsWith('-'))
  const normalized = `${local}@${domain}`
  if (!valid || normalized.length > EMAIL_MAX_LENGTH) {
    throw new AuthError('INVALID_EMAIL', 'the email address is not valid')
  }
  return normalized
}

/**
 * NFC, trimmed, inner whitespace runs collapsed; 1–64 characters, no control or invisible characters.
 * Throws `INVALID_DISPLAY_NAME`.
 */
export function normalizeDisplayName(input: string): string {
  const name = input.normalize('NFC').trim().replace(/\s+/gu, ' ')
  const length = [...name].length
  // A zero-width joiner is allowed inside emoji sequences (👩‍💻); something visible must remain.
  const visible = name.replace(/\u200D/gu, '')
  if (
    length < 1 ||
    length > DISPLAY_NAME_MAX_LENGTH ||
    INVISIBLE_OR_BROKEN.test(visible) ||
    !/[\p{L}\p{N}\p{S}\p{P}]/u.test(visible)
  ) {
    throw new AuthError(
      'INVALID_DISPLAY_NAME',
      `the display name must be 1–${DISPLAY_NAME_MAX_LENGTH} visible characters`,
    )
  }
  return name
}
