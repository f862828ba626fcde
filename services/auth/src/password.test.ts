import { describe, expect, it } from 'vitest'
import { assertStrongPassword, createPasswordHasher, PASSWORD_KDF } from './password.js'

describe('password hashing', () => {
  const hasher = createPasswordHasher()

  it('hashes with argon2id at the documented parameters and verifies', async () => {
    const stored = await hasher.hash('correct horse battery staple')
    expect(stored).toMatch(
      new RegExp(
        `^\\$argon2id\\$v=19\\$m=${PASSWORD_KDF.memoryCostKib},t=${PASSWORD_KDF.timeCost},p=${PASSWORD_KDF.parallelism}\\$`,
      ),
    )
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe(true)
    expect(await hasher.verify(stored, 'correct horse battery stapler')).toBe(false)
  })

  it('salts every hash', async () => {
    expect(await hasher.hash('same password here')).not.toBe(await hasher.hash('same password here'))
  })

  it('treats a corrupt stored hash as a mismatch, not a crash', async () => {
    expect(await hasher.verify('not-a-hash', 'whatever password')).toBe(false)
  })

  it('verifyDummy always says no', async () => {
    expect(await hasher.verifyDummy('not a real password: timing equaliser')).toBe(false)
  })
})

describe('assertStrongPassword', () => {
  it('needs 10 code points', () => {
    expect(() => assertStrongPassword('123456789')).toThrow(
      expect.objectContaining({ code: 'WEAK_PASSWORD' }),
    )
    expect(() => assertStrongPassword('1234567890')).not.toThrow()
    expect(() => assertStrongPassword('😀'.repeat(9))).toThrow(
      expect.objectContaining({ code: 'WEAK_PASSWORD' }),
    )
  })
})
