import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { AuthDatabase, Queryable } from './database.js'
import { AuthError } from './errors.js'
import { sealSuccessor, unsealSuccessor } from './successor-seal.js'

/** Opaque refresh tokens: 32 random bytes, base64url, with a prefix so they are recognisable in a leak scan. */
export const REFRESH_TOKEN_PREFIX = 'tarmac_rt_'

/** How many rotations a reuse inside the grace window follows to reach the family's live token. */
const MAX_SUCCESSOR_HOPS = 8

const hashOf = (token: string) => createHash('sha256').update(token).digest()

interface TokenRow {
  id: string
  family_id: string
  user_id: string
  /** Expired, or its family past its absolute lifetime (judged by the database clock). */
  expired: boolean
  rotated: boolean
  /** Rotated no longer ago than the grace window. */
  in_grace: boolean
  revoked: boolean
  family_started_at: Date
  successor_sealed: Buffer | null
}

/** What rotation hands back: the new token and whose it is. */
export interface IssuedRefreshToken {
  readonly token: string
  readonly userId: string
}

export interface RefreshTokenOptions {
  /** One token's lifetime: a session unused this long ends. */
  readonly ttlS: number
  /** A family's absolute lifetime from its login: rotation never extends a token past it. */
  readonly familyTtlS: number
  /** A rotated token presented again within this answers the same successor; 0: every reuse revokes. */
  readonly reuseGraceMs: number
}

/**
 * Refresh tokens stored as sha256 hashes, one family per login. Every use rotates the token; presenting a token
 * that was already rotated means it leaked: the whole family is revoked — unless it comes back within the grace
 * window, which is what two tabs refreshing at once (or a retry after a lost answer) looks like: then the answer
 * is the successor the first use got.
 */
export interface RefreshTokenStore {
  /** Starts a new family (signup, login). */
  issue(userId: string): Promise<string>
  /** Rotates: → a new token of the same family. `INVALID_TOKEN` or `TOKEN_REUSED` (family revoked). */
  rotate(token: string): Promise<IssuedRefreshToken>
  /** Revokes the token's family (logout). `INVALID_TOKEN` for a token that was never issued. */
  revokeFamily(token: string): Promise<void>
  /**
   * Clears the sealed successor of every token rotated longer ago than the grace window → how many. Past the
   * window a seal can never be used, and kept it lets an old token plus a database backup unseal the chain.
   */
  clearSpentSeals(): Promise<number>
}

export function createRefreshTokenStore(db: AuthDatabase, options: RefreshTokenOptions): RefreshTokenStore {
  const { ttlS, familyTtlS, reuseGraceMs } = options
  /** A new token of a family; its expiry is capped by the family's absolute lifetime. */
  const insert = async (client: Queryable, userId: string, familyId: string, familyStartedAt?: Date) => {
    const token = REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url')
    await client.query(
      `insert into auth_refresh_tokens (id, family_id, user_id, token_hash, family_started_at, expires_at)
       values ($1, $2, $3, $4, coalesce($5::timestamptz, now()),
               least(now() + make_interval(secs => $6),
                     coalesce($5::timestamptz, now()) + make_interval(secs => $7)))`,
      [randomUUID(), familyId, userId, hashOf(token), familyStartedAt ?? null, ttlS, familyTtlS],
    )
    return token
  }
  const select = async (client: Queryable, token: string) =>
    (
      await client.query<TokenRow>(
        `select id, family_id, user_id, family_started_at, successor_sealed,
                expires_at <= now() or family_started_at + make_interval(secs => $2) <= now() as expired,
                rotated_at is not null as rotated,
                rotated_at is not null and now() - rotated_at <= make_interval(secs => $3) as in_grace,
                revoked_at is not null as revoked
           from auth_refresh_tokens where token_hash = $1 for update`,
        [hashOf(token), familyTtlS, reuseGraceMs / 1000],
      )
    ).rows[0]
  /** The family's live token, following sealed successors from a token rotated moments ago. */
  const liveSuccessor = async (client: Queryable, token: string, row: TokenRow) => {
    let current = token
    let currentRow: TokenRow | undefined = row
    for (let hop = 0; hop < MAX_SUCCESSOR_HOPS; hop++) {
      if (!currentRow || currentRow.revoked || currentRow.expired) return undefined
      if (!currentRow.rotated) return current
      if (!currentRow.successor_sealed) return undefined
      const next = unsealSuccessor(current, currentRow.successor_sealed)
      if (next === undefined) return undefined
      current = next
      currentRow = await select(client, current)
    }
    return undefined
  }
  const wellFormed = (token: string) => token.startsWith(REFRESH_TOKEN_PREFIX) && token.length < 128

  return {
    issue: (userId) => insert(db, userId, randomUUID()),

    async rotate(token) {
      if (!wellFormed(token)) throw new AuthError('INVALID_TOKEN', 'the refresh token is invalid')
      // Reuse must revoke the family even though the request fails, so the verdict leaves the transaction
      // as a value and is thrown only after the commit.
      const outcome = await db.transaction(async (client) => {
        // `for update`: a second use of the same token waits here until the first one's rotation commits.
        const row = await select(client, token)
        if (!row || row.revoked || row.expired) return 'invalid' as const
        if (row.rotated) {
          const successor = row.in_grace ? await liveSuccessor(client, token, row) : undefined
          if (successor) return { token: successor, userId: row.user_id }
          await client.query(
            `update auth_refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null`,
            [row.family_id],
          )
          return 'reused' as const
        }
        const next = await insert(client, row.user_id, row.family_id, row.family_started_at)
        await client.query(
          `update auth_refresh_tokens set rotated_at = now(), successor_sealed = $2 where id = $1`,
          [row.id, reuseGraceMs > 0 ? sealSuccessor(token, next) : null],
        )
        return { token: next, userId: row.user_id }
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

    async clearSpentSeals() {
      const { rowCount } = await db.query(
        `update auth_refresh_tokens set successor_sealed = null
          where successor_sealed is not null and rotated_at < now() - make_interval(secs => $1)`,
        [reuseGraceMs / 1000],
      )
      return rowCount ?? 0
    },
  }
}
