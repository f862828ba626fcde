import { randomUUID } from 'node:crypto'
import { signAccessToken, verifyAccessToken } from './access-token.js'
import type { AuthDatabase } from './database.js'
import { AuthError } from './errors.js'
import { normalizeDisplayName, normalizeEmail } from './identity.js'
import { assertStrongPassword, type PasswordHasher } from './password.js'
import type { RefreshTokenStore } from './refresh-tokens.js'
import type { SigningKeys } from './signing-keys.js'

/** The public face of an account. */
export interface PublicUser {
  readonly id: string
  readonly email: string
  readonly displayName: string
}

/** What signup, login and refresh answer; the backend, the CLI and the frontend rely on this shape. */
export interface Session {
  readonly accessToken: string
  readonly refreshToken: string
  /** Seconds until `accessToken` expires. */
  readonly expiresIn: number
  readonly user: PublicUser
}

interface UserRow {
  id: string
  email: string
  display_name: string
  password_hash: string
  created_at: Date
}

export interface AccountsOptions {
  readonly db: AuthDatabase
  readonly keys: SigningKeys
  readonly refreshTokens: RefreshTokenStore
  readonly passwords: PasswordHasher
  readonly accessTokenTtlS: number
}

/** The account operations behind the routes; everything a client can get wrong is an `AuthError`. */
export function createAccounts(options: AccountsOptions) {
  const { db, keys, refreshTokens, passwords, accessTokenTtlS } = options
  const toPublic = (row: UserRow): PublicUser => ({
    id: row.id,
    email: row.email,
    displayName: row.display_name,
  })
  const sessionFor = async (user: PublicUser, refreshToken: string): Promise<Session> => ({
    accessToken: await signAccessToken(keys, user, accessTokenTtlS),
    refreshToken,
    expiresIn: accessTokenTtlS,
    user,
  })
  const findById = async (id: string) =>
    (await db.query<UserRow>(`select * from auth_users where id = $1`, [id])).rows[0]

  return {
    async signup(input: { email: string; password: string; displayName: string }): Promise<Session> {
      const email = normalizeEmail(input.email)
      const displayName = normalizeDisplayName(input.displayName)
      assertStrongPassword(input.password)
      const passwordHash = await passwords.hash(input.password)
      const { rows } = await db.query<UserRow>(
        `insert into auth_users (id, email, display_name, password_hash) values ($1, $2, $3, $4)
         on conflict (email) do nothing returning *`,
        [randomUUID(), email, displayName, passwordHash],
      )
      const row = rows[0]
      if (!row) throw new AuthError('EMAIL_TAKEN', 'an account with this email already exists')
      return sessionFor(toPublic(row), await refreshTokens.issue(row.id))
    },

    async login(input: { email: string; password: string }): Promise<Session> {
      let email: string
      try {
        email = normalizeEmail(input.email)
      } catch {
        // Even a malformed email costs a hash: the answer's timing says nothing about the input.
        await passwords.verifyDummy(input.password)
        throw new AuthError('INVALID_CREDENTIALS', 'wrong email or password')
      }
      const row = (await db.query<UserRow>(`select * from auth_users where email = $1`, [email])).rows[0]
      const valid = row
        ? await passwords.verify(row.password_hash, input.password)
        : await passwords.verifyDummy(input.password)
      if (!row || !valid) throw new AuthError('INVALID_CREDENTIALS', 'wrong email or password')
      return sessionFor(toPublic(row), await refreshTokens.issue(row.id))
    },

    async refresh(refreshToken: string): Promise<Session> {
      const issued = await refreshTokens.rotate(refreshToken)
      const row = await findById(issued.userId)
      if (!row) throw new AuthError('INVALID_TOKEN', 'the account no longer exists')
      return sessionFor(toPublic(row), issued.token)
    },

    logout: (refreshToken: string) => refreshTokens.revokeFamily(refreshToken),

    async me(accessToken: string): Promise<PublicUser & { createdAt: string }> {
      const claims = await verifyAccessToken(keys, accessToken)
      const row = await findById(claims.sub)
      if (!row) throw new AuthError('INVALID_TOKEN', 'the account no longer exists')
      return { ...toPublic(row), createdAt: row.created_at.toISOString() }
    },
  }
}

export type Accounts = ReturnType<typeof createAccounts>
