import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose'
import type { AuthDatabase } from './database.js'

/** The JWS algorithm of every access token: Ed25519 signatures. */
export const SIGNING_ALGORITHM = 'EdDSA'

interface KeyRow {
  kid: string
  public_jwk: JWK
  private_jwk: JWK
  retired_at: Date | null
}

interface LoadedKey {
  readonly kid: string
  readonly publicJwk: JWK
  readonly publicKey: CryptoKey | Uint8Array
}

/** The keys a service signs and verifies with, cached in memory and persisted in `auth_signing_keys`. */
export interface SigningKeys {
  /** The active key: new tokens carry its `kid`. */
  readonly current: { readonly kid: string; readonly privateKey: CryptoKey | Uint8Array }
  /** `{ keys }` with the public half of the active key and of retired keys whose tokens may still be valid. */
  jwks(): { keys: JWK[] }
  /** The public key for a `kid`, reloading once from the database for a kid this instance has not seen. */
  publicKeyFor(kid: string): Promise<CryptoKey | Uint8Array | undefined>
  /** Retires the active key and makes a new one. Tokens signed before stay valid until they expire. */
  rotate(): Promise<string>
  /** Re-reads the keys (another instance may have rotated). */
  refresh(): Promise<void>
}

export interface SigningKeysOptions {
  readonly db: AuthDatabase
  /** Retired keys stay published this long: the lifetime of the last token they signed. */
  readonly accessTokenTtlS: number
}

async function newKeyRow(): Promise<Omit<KeyRow, 'retired_at'>> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, {
    crv: 'Ed25519',
    extractable: true,
  })
  const public_jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(public_jwk)
  return { kid, public_jwk: { ...public_jwk, kid }, private_jwk: { ...(await exportJWK(privateKey)), kid } }
}

/**
 * Loads the signing keys from the database, creating the first one if there is none. Safe when several
 * instances start at once: a unique index allows one active key, and the losers read the winner's.
 */
export async function loadSigningKeys(options: SigningKeysOptions): Promise<SigningKeys> {
  const { db, accessTokenTtlS } = options
  let current: SigningKeys['current'] | undefined
  let published = new Map<string, LoadedKey>()
  let lastReloadMs = 0

  const insert = async (row: Omit<KeyRow, 'retired_at'>) =>
    db.query(
      `insert into auth_signing_keys (kid, public_jwk, private_jwk) values ($1, $2, $3) on conflict do nothing`,
      [row.kid, row.public_jwk, row.private_jwk],
    )

  const refresh = async (): Promise<void> => {
    lastReloadMs = Date.now()
    const select = () =>
      db.query<KeyRow>(
        `select kid, public_jwk, private_jwk, retired_at from auth_signing_keys
          where retired_at is null or retired_at > now() - make_interval(secs => $1)
          order by created_at desc`,
        [accessTokenTtlS],
      )
    let { rows } = await select()
    if (!rows.some((row) => row.retired_at === null)) {
      await insert(await newKeyRow())
      rows = (await select()).rows
    }
    const active = rows.find((row) => row.retired_at === null)
    if (!active) throw new Error('no active signing key after creating one')
    const next = new Map<string, LoadedKey>()
    for (const row of rows) {
      const publicKey = await importJWK(row.public_jwk, SIGNING_ALGORITHM)
      next.set(row.kid, { kid: row.kid, publicJwk: row.public_jwk, publicKey })
    }
    current = { kid: active.kid, privateKey: await importJWK(active.private_jwk, SIGNING_ALGORITHM) }
    published = next
  }

  await refresh()
  return {
    get current() {
      return current!
    },
    jwks: () => ({
      keys: [...published.values()].map(({ publicJwk }) => ({
        kty: publicJwk.kty,
        crv: publicJwk.crv,
        x: publicJwk.x,
        kid: publicJwk.kid,
        alg: SIGNING_ALGORITHM,
        use: 'sig',
      })),
    }),
    async publicKeyFor(kid) {
      const known = published.get(kid)
      if (known || Date.now() - lastReloadMs < 1_000) return known?.publicKey
      await refresh()
      return published.get(kid)?.publicKey
    },
    async rotate() {
      const row = await newKeyRow()
      await db.transaction(async (client) => {
        await client.query(`update auth_signing_keys set retired_at = now() where retired_at is null`)
        await client.query(
          `insert into auth_signing_keys (kid, public_jwk, private_jwk) values ($1, $2, $3)`,
          [row.kid, row.public_jwk, row.private_jwk],
        )
      })
      await refresh()
      return row.kid
    },
    refresh,
  }
}
