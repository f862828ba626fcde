import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { fuzzSettings, withClient } from '@tarmac/testing'
import { AUTH_ROUTES } from '../src/routes.js'
import { newAccount, startAuth, type RunningAuth } from './support.js'

// Property-based fuzzing of every auth route (AUTH_ROUTES) against the real service on real Postgres: no
// answer ≥ 500, a `code` on every 4xx. A fixed number of runs, every one of them asserted to have happened, and
// rows written to prove the fuzzing got past validation into Postgres. The seed is fixed under CI and random
// elsewhere (printed); FUZZ_SEED=<seed> replays a run, FUZZ_PATH=<path> (from a failure) one counterexample.
const FUZZ = fuzzSettings(700)

let auth: RunningAuth
let accessToken: string
let refreshToken: string
let email: string
beforeAll(async () => {
  console.log(
    `auth fuzz: seed ${FUZZ.seed} (${FUZZ.seedFrom}), ${FUZZ.numRuns} runs; replay with ${FUZZ.replay}`,
  )
  auth = await startAuth({ RATE_LIMIT_PER_IP: '1000000', RATE_LIMIT_PER_ACCOUNT: '1000000' })
  const account = newAccount()
  email = account.email
  const signedUp = await auth.post('/auth/signup', account)
  expect(signedUp.status).toBe(201)
  accessToken = signedUp.body.accessToken
  refreshToken = signedUp.body.refreshToken
})

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit))
const nasty = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', 'a\u0000b', '@', 'a@b', 'x'.repeat(2_000), 'null', '-1'),
  fc.emailAddress(),
  fc.string({ maxLength: 400 }),
)
const value = fc.oneof(nasty, fc.jsonValue())
const body = fc.oneof(
  fc.record(
    {
      email: fc.oneof(value, fc.constant('KNOWN')),
      password: value,
      displayName: value,
      refreshToken: fc.oneof(value, fc.constant('VALID')),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
  fc.dictionary(nasty, fc.jsonValue(), { maxKeys: 3 }),
)

interface Case {
  route: string
  body: unknown
  raw: string | undefined
  contentType: string
  authorization: string | undefined
}
const anyRequest: fc.Arbitrary<Case> = fc.record({
  // Every route, plus a method and a path the service does not have.
  route: fc.constantFrom<string>(...AUTH_ROUTES, 'DELETE /auth/me', 'GET /auth/nothing'),
  body,
  raw: fc.option(fc.string({ unit: codeUnit, maxLength: 300 }), { nil: undefined }),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/octet-stream'),
  authorization: fc.option(
    fc.oneof(
      nasty.map((t) => `Bearer ${t.replace(/[^ -~]/g, '')}`),
      fc.constant('VALID'),
    ),
    { nil: undefined },
  ),
})

/** Each POST route with the fields its schema names, holding nasty values: where Postgres is reached. */
const routeRequest: fc.Arbitrary<Case> = fc.record({
  route: fc.constantFrom('POST /auth/signup', 'POST /auth/login', 'POST /auth/refresh', 'POST /auth/logout'),
  body: fc.record({
    email: fc.oneof(fc.emailAddress(), nasty, fc.constant('KNOWN')),
    password: fc.oneof(nasty, fc.constant('correct horse battery staple')),
    displayName: nasty,
    refreshToken: fc.oneof(nasty, fc.constant('VALID')),
  }),
  raw: fc.constant(undefined),
  contentType: fc.constant('application/json'),
  authorization: fc.constant(undefined),
})
const requestCase = fc.oneof(routeRequest, anyRequest)
/** Answers by route and status: shows what the fuzzing reached. */
const tally: Record<string, number> = {}

async function send(c: Case): Promise<{ status: number; text: string }> {
  const [method, path] = c.route.split(' ') as [string, string]
  const headers: Record<string, string> = { 'content-type': c.contentType }
  if (c.authorization !== undefined)
    headers.authorization = c.authorization === 'VALID' ? `Bearer ${accessToken}` : c.authorization
  let payload: string | undefined
  if (method !== 'GET') {
    const filled =
      typeof c.body === 'object' && c.body !== null && !Array.isArray(c.body)
        ? Object.fromEntries(
            Object.entries(c.body).map(([key, v]) => [
              key,
              v === 'KNOWN' ? email : v === 'VALID' ? refreshToken : v,
            ]),
          )
        : c.body
    payload = c.raw ?? JSON.stringify(filled) ?? 'null'
  }
  const response = await fetch(auth.baseUrl + path, { method, headers, body: payload })
  return { status: response.status, text: await response.text() }
}

/** Rows of the tables the fuzzed routes write (accounts, sessions). */
async function rowCounts(): Promise<{ users: number; refreshTokens: number }> {
  return withClient(auth.db.url, async (client) => {
    const { rows } = await client.query<{ users: number; refresh_tokens: number }>(
      `select (select count(*) from auth_users)::int as users,
              (select count(*) from auth_refresh_tokens)::int as refresh_tokens`,
    )
    return { users: rows[0]!.users, refreshTokens: rows[0]!.refresh_tokens }
  })
}

describe('fuzzing the auth REST API (real service, real Postgres)', () => {
  it('answers every request below 500, with a code on every 4xx', async () => {
    const before = await rowCounts()
    let runs = 0
    const details = await fc.check(
      fc.asyncProperty(requestCase, async (c) => {
        runs++
        const { status, text } = await send(c)
        tally[`${c.route} ${status}`] = (tally[`${c.route} ${status}`] ?? 0) + 1
        expect(status, text).toBeLessThan(500)
        if (status >= 400) expect(typeof (JSON.parse(text) as { code?: unknown }).code, text).toBe('string')
      }),
      { seed: FUZZ.seed, numRuns: FUZZ.numRuns, ...(FUZZ.path !== undefined && { path: FUZZ.path }) },
    )
    console.log(`auth fuzz seed ${FUZZ.seed}; ${runs} runs; answers ${JSON.stringify(tally)}`)
    if (details.failed) {
      throw new Error(
        `auth fuzz failed — replay with FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath}\n` +
          `counterexample: ${fc.stringify(details.counterexample)}\n${String(details.errorInstance)}`,
      )
    }
    expect(runs, `runs of seed ${FUZZ.seed}`).toBeGreaterThanOrEqual(FUZZ.minRuns)
    if (FUZZ.path !== undefined) return // one counterexample replayed: it need not write anything
    // It reached Postgres: fuzzed signups created accounts, fuzzed logins and refreshes opened sessions.
    const after = await rowCounts()
    expect(after.users, JSON.stringify(tally)).toBeGreaterThan(before.users)
    expect(after.refreshTokens, JSON.stringify(tally)).toBeGreaterThan(before.refreshTokens)
  }, 300_000)
})
