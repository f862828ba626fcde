import { createPool } from '@tarmac/postgres'
import { createAuthDatabase } from './database.js'
import { loadSigningKeys } from './signing-keys.js'

/**
 * Retires the active signing key and creates a new one, on the database at `url`. Running instances pick the new
 * key up within a minute; tokens signed with the old one stay valid (it stays in the JWKS) until they expire.
 * @example await rotateSigningKey(process.env.DATABASE_URL, 900) // → { retiredKid, activeKid }
 */
export async function rotateSigningKey(
  url: string,
  accessTokenTtlS: number,
): Promise<{ retiredKid: string; activeKid: string }> {
  const { pool } = createPool({ url, applicationName: 'auth-rotate-keys', max: 1 })
  try {
    const keys = await loadSigningKeys({ db: createAuthDatabase(pool), accessTokenTtlS })
    const retiredKid = keys.current.kid
    return { retiredKid, activeKid: await keys.rotate() }
  } finally {
    await pool.end()
  }
}
