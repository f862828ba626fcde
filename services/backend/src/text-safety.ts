import { UNSTORABLE_TEXT } from '@tarmac/protocol'

/*
 * What Postgres cannot store in `text` (NUL, unpaired UTF-16 surrogates) is part of the protocol: client input
 * that holds either is refused there (`isStorableText`). Provider output is repaired instead, here.
 */

const UNSTORABLE_ALL = new RegExp(UNSTORABLE_TEXT.source, 'g')

/** `text` with every NUL and unpaired surrogate replaced by U+FFFD: for output we do not control. */
export const toStorableText = (text: string): string => text.replace(UNSTORABLE_ALL, '\uFFFD')
