import { hash, verify, type Algorithm } from '@node-rs/argon2'
import { AuthError } from './errors.js'

/**
 * argon2id with OWASP's first recommended setting: 19 MiB of memory, 2 passes, 1 lane. About 30 ms per hash on
 * one core here; `bench/auth-login` measures what it costs a login. Stored hashes carry their parameters, so
 * raising them later only affects new hashes.
 */
export const PASSWORD_KDF = Object.freeze({
  algorithm: 'argon2id',
  memoryCostKib: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLengthBytes: 32,
  saltLengthBytes: 16,
})

export const PASSWORD_MIN_LENGTH = 10

const OPTIONS = {
  // `Algorithm.Argon2id` is an ambient const enum, which `verbatimModuleSyntax` cannot read.
  algorithm: 2 as Algorithm,
  memoryCost: PASSWORD_KDF.memoryCostKib,
  timeCost: PASSWORD_KDF.timeCost,
  parallelism: PASSWORD_KDF.parallelism,
  outputLen: PASSWORD_KDF.outputLengthBytes,
}

/** Throws `WEAK_PASSWORD` for a password shorter than 10 characters (code points, so emoji count as one). */
export function assertStrongPassword(password: string): void {
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    throw new AuthError('WEAK_PASSWORD', `the password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  }
}

/** Hashes and verifies passwords; verifies unknown users against a dummy hash so both cost the same. */
export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(storedHash: string, password: string): Promise<boolean>
  /** Spends the same time as `verify` and returns false: call it when the user does not exist. */
  verifyDummy(password: string): Promise<false>
}

/** Creates the hasher and, at once, the dummy hash (so the first unknown-user login is not faster). */
export function createPasswordHasher(): PasswordHasher {
  const dummy = hash('not a real password: timing equaliser', OPTIONS)
  return {
    hash: (password) => hash(password, OPTIONS),
    async verify(storedHash, password) {
      try {
        return await verify(storedHash, password)
      } catch {
        return false
      }
    },
    async verifyDummy(password) {
      await verify(await dummy, password).catch(() => false)
      return false
    },
  }
}
