import { beforeAll, describe, expect, it } from 'vitest'
import { newAccount, startAuth, type RunningAuth } from './support.js'

// The browser's mode: the refresh token only in an HttpOnly, SameSite=Strict cookie scoped to /auth, never in a
// body a script could read. Other clients (the CLI, services) keep the token in the body as before.
let auth: RunningAuth
beforeAll(async () => {
  auth = await startAuth()
})

const COOKIE_MODE = { 'x-tarmac-session': 'cookie' }
const cookieOf = (headers: Headers) => headers.get('set-cookie') ?? ''
const valueOf = (setCookie: string) => /^tarmac_refresh=([^;]*)/.exec(setCookie)?.[1] ?? ''

describe('the refresh token in a cookie', () => {
  it('is set HttpOnly, SameSite=Strict, on /auth only, and left out of the body', async () => {
    const signup = await auth.post('/auth/signup', newAccount(), COOKIE_MODE)
    expect(signup.status).toBe(201)
    expect(signup.body.refreshToken).toBeUndefined()
    expect(signup.body.accessToken).toEqual(expect.any(String))
    const cookie = cookieOf(signup.headers)
    expect(valueOf(cookie)).toMatch(/^tarmac_rt_/)
    expect(cookie).toMatch(/; Path=\/auth; Max-Age=2592000; HttpOnly; SameSite=Strict$/) // plain HTTP: no Secure
    expect(signup.headers.get('cache-control')).toBe('no-store')
  })

  it('is Secure when the request came over HTTPS (a trusted proxy says so)', async () => {
    const login = await auth.post('/auth/signup', newAccount(), {
      ...COOKIE_MODE,
      'x-forwarded-proto': 'https',
    })
    expect(cookieOf(login.headers)).toMatch(/; HttpOnly; SameSite=Strict; Secure$/)
  })

  it('refreshes from the cookie, rotating it, and logs out from it', async () => {
    const account = newAccount()
    await auth.post('/auth/signup', account)
    const login = await auth.post(
      '/auth/login',
      { email: account.email, password: account.password },
      COOKIE_MODE,
    )
    const first = valueOf(cookieOf(login.headers))
    const refreshed = await auth.post(
      '/auth/refresh',
      {},
      { ...COOKIE_MODE, cookie: `tarmac_refresh=${first}` },
    )
    expect(refreshed.status).toBe(200)
    expect(refreshed.body.refreshToken).toBeUndefined()
    const second = valueOf(cookieOf(refreshed.headers))
    expect(second).toMatch(/^tarmac_rt_/)
    expect(second).not.toBe(first)

    const logout = await auth.post(
      '/auth/logout',
      {},
      { ...COOKIE_MODE, cookie: `other=1; tarmac_refresh=${second}` },
    )
    expect(logout.status).toBe(204)
    expect(cookieOf(logout.headers)).toMatch(/^tarmac_refresh=; Path=\/auth; Max-Age=0;/)
    const after = await auth.post('/auth/refresh', {}, { ...COOKIE_MODE, cookie: `tarmac_refresh=${second}` })
    expect(after.status).toBe(401)
    expect(after.body.code).toBe('INVALID_TOKEN')
    expect(cookieOf(after.headers)).toMatch(/Max-Age=0/) // a refused token is dropped from the browser
  })

  it('ignores the cookie without the session header: a cross-site request cannot use it', async () => {
    const signup = await auth.post('/auth/signup', newAccount(), COOKIE_MODE)
    const cookie = `tarmac_refresh=${valueOf(cookieOf(signup.headers))}`
    const forged = await auth.post('/auth/refresh', {}, { cookie })
    expect(forged.status).toBe(401)
    expect(forged.body.code).toBe('INVALID_TOKEN')
    // …and the login it belongs to is untouched.
    expect((await auth.post('/auth/refresh', {}, { ...COOKIE_MODE, cookie })).status).toBe(200)
  })

  it('keeps the body mode for other clients: the token in the body, no cookie', async () => {
    const signup = await auth.post('/auth/signup', newAccount())
    expect(signup.body.refreshToken).toMatch(/^tarmac_rt_/)
    expect(signup.headers.get('set-cookie')).toBeNull()
    const refreshed = await auth.post('/auth/refresh', { refreshToken: signup.body.refreshToken })
    expect(refreshed.body.refreshToken).toMatch(/^tarmac_rt_/)
    expect((await auth.post('/auth/refresh', {})).body.code).toBe('INVALID_TOKEN')
  })
})
