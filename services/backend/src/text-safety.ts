/**
 * What Postgres cannot store in `text`: NUL (it rejects U+0000 outright) and unpaired UTF-16 surrogates
 * (they have no UTF-8 form: the driver would silently turn them into U+FFFD, so what is stored would not be
 * what was sent). Client input that holds either is refused; provider output is repaired instead.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g')

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL (U+0000) or an unpaired surrogate'

/** True when `text` can be stored exactly as it is. */
export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text)

/** `text` with every NUL and unpaired surrogate replaced by U+FFFD: for output we do not control. */
export const toStorableText = (text: string): string => text.replace(UNSTORABLE_ALL, '\uFFFD')
