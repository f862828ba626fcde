/**
 * What Postgres cannot store in `text`: NUL (it rejects U+0000 outright) and unpaired UTF-16 surrogates
 * (they have no UTF-8 form: the driver would silently turn them into U+FFFD, so what is stored would not be
 * what was sent). Client input that holds either is refused.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
export const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL (U+0000) or an unpaired surrogate'

/** True when `text` can be stored exactly as it is. */
export const isStorableText = (text: string): boolean => !UNSTORABLE_TEXT.test(text)
