import { createHash } from 'node:crypto'
import { decodeProtectedHeader } from 'jose'
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { rotateSigningKey } from '../src/index.js'
import { newAccount, startAuth, type RunningAuth } from './support.js'

let auth: RunningAuth
/** Access tokens of 2 s, for the expiry test only: everything else must not race a short TTL on a loaded machine. */
let shortLived: RunningAuth
/** No reuse grace: every second use of a refresh token revokes its family. */
let strict: RunningAuth
beforeAll(async () => {
  auth = await startAuth()
  shortLived = await startAuth({ ACCESS_TOKEN_TTL_S: '2' })
  strict = await startAuth({ REFRESH_REUSE_GRACE_MS: '0' })
})

const refresh = (refreshToken: string) => auth.post('/auth/refresh', { refreshToken })

/** Runs one statement against the service's database, as an operator (or the passage of time) would. */
async function sql(query: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: auth.db.url })
  await client.connect()
  try {
    return await client.query(query, params)
  } finally {
    await client.end()
  }
}
const hashOf = (token: string) => createHash('sha256').update(token).digest()
/** Moves a token's rotation `seconds` into the past: past the reuse grace window without waiting for it. */
const rotatedAgo = (token: string, seconds: number) =>
  sql(`update auth_refresh_tokens set rotated_at = now() - make_interval(secs => $2) where token_hash = $1`, [
    hashOf(token),
    seconds,
  ])
/** Moves the login of a token's family `seconds` into the past. */
const loggedInAgo = (token: string, seconds: number) =>
  sql(
    `update auth_refresh_tokens set family_started_at = now() - make_interval(secs => $2)
      where family_id = (select family_id from auth_refresh_tokens where token_hash = $1)`,
    [hashOf(token), seconds],
  )

describe('refresh tokens', () => {
  it('rotates on every use and answers the session shape', async () => {
    const signup = await auth.post('/auth/signup', newAccount())
    const first = await refresh(signup.body.refreshToken)
    expect(first.status).toBe(200)
    expect(first.body.refreshToken).not.toBe(signup.body.refreshToken)
    expect(first.body.user).toEqual(signup.body.user)
    expect(first.body.expiresIn).toBe(900)
    const second = await refresh(first.body.refreshToken)
    expect(second.status).toBe(200)
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken)
  })

  it('revokes the whole family when a rotated token is presented again after the grace window', async () => {
    const signup = await auth.post('/auth/signup', newAccount())
    const stolen = signup.body.refreshToken
    const rotated = await refresh(stolen) // the legitimate client moves on
    await rotatedAgo(stolen, 60) // REFRESH_REUSE_GRACE_MS is 5 s
    const reuse = await refresh(stolen) // the thief replays the old one
    expect(reuse.status).toBe(401)
    expect(reuse.body.code).toBe('TOKEN_REUSED')
    // The newest token of the family is dead too: both parties must log in again.
    const afterwards = await refresh(rotated.body.refreshToken)
    expect(afterwards.status).toBe(401)
    expect(afterwards.body.code).toBe('INVALID_TOKEN')
  })

  it('leaves other sessions of the same user alone when one family is revoked', async () => {
    const account = newAccount()
    const phone = await auth.post('/auth/signup', account)
    const laptop = await auth.post('/auth/login', account)
    await refresh(phone.body.refreshToken)
    await rotatedAgo(phone.body.refreshToken, 60)
    expect((await refresh(phone.body.refreshToken)).body.code).toBe('TOKEN_REUSED')
    expect((await refresh(laptop.body.refreshToken)).status).toBe(200)
  })

  it('answers two concurrent refreshes with one token with the same successor, and the family lives on', async () => {
    const signup = await auth.post('/auth/signup', newAccount())
    const answers = await Promise.all([refresh(signup.body.refreshToken), refresh(signup.body.refreshToken)])
    expect(answers.map((a) => a.status)).toEqual([200, 200])
    expect(answers[0].body.refreshToken).toBe(answers[1].body.refreshToken)
    expect(answers[0].body.refreshToken).not.toBe(signup.body.refreshToken)
    expect(answers[0].body.user).toEqual(signup.body.user)
    // Both tabs go on with the successor: it rotates normally.
    const next = await refresh(answers[0].body.refreshToken)
    expect(next.status).toBe(200)
    expect((await refresh(next.body.refreshToken)).status).toBe(200)
  })

  it('answers a reuse within the grace window with the live token, even after further rotations', async () => {
    const signup = await auth.post('/auth/signup', newAccount())
    const first = await refresh(signup.body.refreshToken)
    const second = await refresh(first.body.refreshToken)
    const late = await refresh(signup.body.refreshToken) // a tab that was slower than two rotations
    expect(late.status).toBe(200)
    expect(late.body.refreshToken).toBe(second.body.refreshToken)
    expect((await refresh(second.body.refreshToken)).status).toBe(200)
  })

  it("clears a rotated token's sealed successor from its row once the grace window has passed", async () => {
    const signup = await auth.post('/auth/signup', newAccount())
    expect((await refresh(signup.body.refreshToken)).status).toBe(200)
    const sealOf = async () =>
      (
        await sql(`select successor_sealed from auth_refresh_tokens where token_hash = $1`, [
          hashOf(signup.body.refreshToken),
        ])
      ).rows[0]?.successor_sealed as Buffer | null | undefined
    expect(await sealOf()).toBeInstanceOf(Buffer) // within the window: kept, for a second tab's refresh
    await rotatedAgo(signup.body.refreshToken, 6) // REFRESH_REUSE_GRACE_MS is 5 s
    // The sweep runs every 5 s: the row loses its seal without any further request.
    const deadline = Date.now() + 30_000
    while ((await sealOf()) !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
    expect(await sealOf()).toBeNull()
    // …and the token, reused now, is a reuse: the family is revoked.
    expect((await refresh(signup.body.refreshToken)).body.code).toBe('TOKEN_REUSED')
  })

  it('answers a reuse within the grace window with INVALID_TOKEN once the family is logged out', async () => {
    const signup = await auth.post('/auth/signup', newAccount())
    const rotated = await refresh(signup.body.refreshToken)
    expect((await auth.post('/auth/logout', { refreshToken: rotated.body.refreshToken })).status).toBe(204)
    const reuse = await refresh(signup.body.refreshToken)
    expect(reuse.status).toBe(401)
    expect(reuse.body.code).toBe('INVALID_TOKEN')
  })

  it('revokes on any reuse when the grace window is 0', async () => {
    const signup = await strict.post('/auth/signup', newAccount())
    await strict.post('/auth/refresh', { refreshToken: signup.body.refreshToken })
    const reuse = await strict.post('/auth/refresh', { refreshToken: signup.body.refreshToken })
    expect(reuse.body.code).toBe('TOKEN_REUSED')
  })

  it('never lets rotation extend a session past the family lifetime from its login', async () => {
    const signup = await auth.post('/auth/signup', newAccount())
    // REFRESH_FAMILY_TTL_S is 90 days, REFRESH_TOKEN_TTL_S 30: an hour of the family's lifetime is left.
    await loggedInAgo(signup.body.refreshToken, 90 * 86_400 - 3_600)
    const rotated = await refresh(signup.body.refreshToken)
    expect(rotated.status).toBe(200)
    const { rows } = await sql(
      `select extract(epoch from expires_at - now())::float8 as left_s from auth_refresh_tokens where token_hash = $1`,
      [hashOf(rotated.body.refreshToken)],
    )
    expect(rows[0].left_s).toBeLessThanOrEqual(3_600)
    expect(rows[0].left_s).toBeGreaterThan(0)
    // Past the family's lifetime, a token that has not expired on its own is refused all the same.
    await loggedInAgo(rotated.body.refreshToken, 90 * 86_400 + 1)
    const late = await refresh(rotated.body.refreshToken)
    expect(late.status).toBe(401)
    expect(late.body.code).toBe('INVALID_TOKEN')
  })

  it('logs out by revoking the family (204), after which the token is invalid', async () => {
    const signup = await auth.post('/auth/signup', newAccount())
    const rotated = await refresh(signup.body.refreshToken)
    const logout = await auth.post('/auth/logout', { refreshToken: rotated.body.refreshToken })
    expect(logout.status).toBe(204)
    const after = await refresh(rotated.body.refreshToken)
    expect(after.status).toBe(401)
    expect(after.body.code).toBe('INVALID_TOKEN')
  })

  it('rejects tokens it never issued with INVALID_TOKEN', async () => {
    for (const token of ['', 'garbage', 'tarmac_rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      for (const path of ['/auth/refresh', '/auth/logout']) {
        const response = await auth.post(path, { refreshToken: token })
        expect(response.status).toBe(401)
        expect(response.body.code).toBe('INVALID_TOKEN')
      }
    }
  })

  it('rejects a refresh token past its expiry (backdated in the database) with INVALID_TOKEN', async () => {
    const signup = await auth.post('/auth/signup', newAccount())
    await sql(
      `update auth_refresh_tokens set expires_at = now() - interval '1 second' where token_hash = $1`,
      [hashOf(signup.body.refreshToken)],
    )
    const expired = await refresh(signup.body.refreshToken)
    expect(expired.status).toBe(401)
    expect(expired.body.code).toBe('INVALID_TOKEN')
  })
})

describe('access tokens and signing keys', () => {
  it('rejects an expired access token with INVALID_TOKEN', async () => {
    const signup = await shortLived.post('/auth/signup', newAccount())
    expect(signup.body.expiresIn).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 3_100)) // ACCESS_TOKEN_TTL_S is 2
    const me = await shortLived.get('/auth/me', { authorization: `Bearer ${signup.body.accessToken}` })
    expect(me.status).toBe(401)
    expect(me.body.code).toBe('INVALID_TOKEN')
  })

  it('rotates the signing key without logging anyone out', async () => {
    const before = await auth.post('/auth/signup', newAccount())
    const oldKid = decodeProtectedHeader(before.body.accessToken).kid
    const newKid = await auth.service.runtime.keys!.rotate()
    expect(newKid).not.toBe(oldKid)
    const jwks = await auth.get('/.well-known/jwks.json')
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual(
      expect.arrayContaining([oldKid, newKid]),
    )
    // a token signed with the retired key still works
    expect((await auth.get('/auth/me', { authorization: `Bearer ${before.body.accessToken}` })).status).toBe(
      200,
    )
    const after = await refresh(before.body.refreshToken)
    expect(decodeProtectedHeader(after.body.accessToken).kid).toBe(newKid)
  })

  it('persists keys: a second instance on the same database signs with the same key', async () => {
    const other = await startAuth({}, { db: auth.db, manualStop: true })
    const mine = await auth.get('/.well-known/jwks.json')
    const theirs = await other.get('/.well-known/jwks.json')
    expect(theirs.body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual(
      mine.body.keys.map((k: { kid: string }) => k.kid).sort(),
    )
    const signup = await other.post('/auth/signup', newAccount())
    expect((await auth.get('/auth/me', { authorization: `Bearer ${signup.body.accessToken}` })).status).toBe(
      200,
    )
    await other.stop()
  })

  it('rotates from outside the service (rotate-keys) and the running instance picks the key up', async () => {
    const before = await auth.post('/auth/signup', newAccount())
    const { retiredKid, activeKid } = await rotateSigningKey(auth.db.url, 900)
    expect(decodeProtectedHeader(before.body.accessToken).kid).toBe(retiredKid)
    await auth.service.runtime.keys!.refresh() // what the 60 s timer does
    const after = await auth.post('/auth/signup', newAccount())
    expect(decodeProtectedHeader(after.body.accessToken).kid).toBe(activeKid)
    expect((await auth.get('/auth/me', { authorization: `Bearer ${before.body.accessToken}` })).status).toBe(
      200,
    )
  })
})
