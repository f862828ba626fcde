import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const INFO = 'tarmac refresh-token successor'
const IV_BYTES = 12
const TAG_BYTES = 16

/** A key only the holder of `token` can derive: HKDF-SHA256 of the token (never stored; its sha256 is). */
const keyOf = (token: string) => Buffer.from(hkdfSync('sha256', token, '', INFO, 32))

/**
 * Seals a rotation's successor under a key derived from the rotated token: the database keeps only this, so
 * the successor can be handed again to whoever presents the rotated token (within the grace window), and to
 * nobody else. AES-256-GCM; `iv ‖ ciphertext ‖ tag`.
 */
export function sealSuccessor(token: string, successor: string): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', keyOf(token), iv)
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()])
  return Buffer.concat([iv, sealed, cipher.getAuthTag()])
}

/** The successor sealed by `sealSuccessor(token, …)`, or undefined when `sealed` was not sealed with `token`. */
export function unsealSuccessor(token: string, sealed: Buffer): string | undefined {
  if (sealed.length <= IV_BYTES + TAG_BYTES) return undefined
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(token), sealed.subarray(0, IV_BYTES))
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
    const plain = Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ])
    return plain.toString('utf8')
  } catch {
    return undefined
  }
}
