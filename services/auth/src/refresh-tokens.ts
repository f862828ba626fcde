import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { AuthDatabase } from './database.js'
import { AuthError } from './errors.js'

/** Opaque refresh tokens: 32 random bytes, base64url, with a prefix so they are recognisable in a leak scan. */
export const REFRESH_TOKEN_PREFIX = 'tarmac_rt_'

const hashOf = (token: string) => createHash('sha256').update(token).digest()

interface TokenRow {
  id: string
  family_id: string
  user_id: string
  expires_at: Date
  rotated_at: Date | null
  revoked_at: Date | null
}

/** What rotation hands back: the new token and whose it is. */
export interface IssuedRefreshToken {
  readonly token: string
  readonly userId: string
}

/**
 * Refresh tokens stored as sha256 hashes, one family per login. Every use rotates the token; presenting a token
 * that was already rotated means it leaked (or a client raced itself): the whole family is revoked.
 */
export interface RefreshTokenStore {
  /** Starts a new family (signup, login). */
  issue(userId: string): Promise<string>
  /** Rotates: → a new token of the same family. `INVALID_TOKEN` or `TOKEN_REUSED` (family revoked). */
  rotate(token: string): Promise<IssuedRefreshToken>
  /** Revokes the token's family (logout). `INVALID_TOKEN` for a token that was never issued. */
  revokeFamily(token: string): Promise<void>
}

export function createRefreshTokenStore(db: AuthDatabase, options: { ttlS: number }): RefreshTokenStore {
  const insert = async (client: Pick<AuthDatabase, 'query'>, userId: string, familyId: string) => {
    const token = REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url')
    await client.query(
      `insert into auth_refresh_tokens (id, family_id, user_id, token_hash, expires_at)
       values ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [randomUUID(), familyId, userId, hashOf(token), options.ttlS],
    )
    return token
  }
  const wellFormed = (token: string) => token.startsWith(REFRESH_TOKEN_PREFIX) && token.length < 128

  return {
    issue: (userId) => insert(db, userId, randomUUID()),

    async rotate(token) {
      if (!wellFormed(token)) throw new AuthError('INVALID_TOKEN', 'the refresh token is invalid')
      // Reuse must revoke the family even though the request fails, so the verdict leaves the transaction
      // as a value and is thrown only after the commit.
      const outcome = await db.transaction(async (client) => {
        const { rows } = await client.query<TokenRow>(
          `select id, family_id, user_id, expires_at, rotated_at, revoked_at
             from auth_refresh_tokens where token_hash = $1 for update`,
          [hashOf(token)],
        )
        const row = rows[0]
        if (!row || row.revoked_at !== null || row.expires_at.getTime() <= Date.now())
          return 'invalid' as const
        if (row.rotated_at !== null) {
          await client.query(
            `update auth_refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null`,
            [row.family_id],
          )
          return 'reused' as const
        }
        await client.query(`update auth_refresh_tokens set rotated_at = now() where id = $1`, [row.id])
        return { token: await insert(client, row.user_id, row.family_id), userId: row.user_id }
      })
      if (outcome === 'invalid')
        throw new AuthError('INVALID_TOKEN', 'the refresh token is invalid or expired')
      if (outcome === 'reused') {
        throw new AuthError('TOKEN_REUSED', 'this refresh token was already used; the session is revoked')
      }
      return outcome
    },

    async revokeFamily(token) {
      if (!wellFormed(token)) throw new AuthError('INVALID_TOKEN', 'the refresh token is invalid')
      const { rowCount } = await db.query(
        `update auth_refresh_tokens set revoked_at = coalesce(revoked_at, now())
          where family_id = (select family_id from auth_refresh_tokens where token_hash = $1)`,
        [hashOf(token)],
      )
      if (!rowCount) throw new AuthError('INVALID_TOKEN', 'the refresh token is invalid')
    },
  }
}
