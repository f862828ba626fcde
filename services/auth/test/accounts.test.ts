import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../src/index.js'
import { newAccount, startAuth, type RunningAuth } from './support.js'

let auth: RunningAuth
beforeAll(async () => {
  auth = await startAuth()
})

describe('signup, login, me', () => {
  it('signs up (201) with the session shape other services rely on', async () => {
    const account = newAccount({ displayName: '  Zoë   Ōkubo 👩‍💻 ' })
    const { status, body } = await auth.post('/auth/signup', account)
    expect(status).toBe(201)
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user'])
    expect(body.expiresIn).toBe(900)
    expect(body.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: account.email,
      displayName: 'Zoë Ōkubo 👩‍💻',
    })
    expect(body.refreshToken).toMatch(/^tarmac_rt_/)
  })

  it('issues EdDSA access tokens with kid that verify against the JWKS the way the backend does', async () => {
    const { body } = await auth.post('/auth/signup', newAccount())
    const header = decodeProtectedHeader(body.accessToken)
    expect(header.alg).toBe('EdDSA')
    expect(header.kid).toEqual(expect.any(String))
    const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', auth.baseUrl))
    const { payload } = await jwtVerify(body.accessToken, jwks, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
    })
    expect(payload.sub).toBe(body.user.id)
    expect(payload.iss).toBe('tarmac-auth')
    expect(payload.aud).toBe('tarmac')
    expect(payload.email).toBe(body.user.email)
    expect(payload.name).toBe(body.user.displayName)
    expect(payload.exp! - payload.iat!).toBe(900)
  })

  it('publishes only public keys in the JWKS', async () => {
    const { status, body, headers } = await auth.get('/.well-known/jwks.json')
    expect(status).toBe(200)
    expect(headers.get('cache-control')).toContain('max-age')
    expect(body.keys.length).toBeGreaterThanOrEqual(1)
    for (const key of body.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x'])
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })
    }
  })

  it('logs in with a normalised email and answers /auth/me', async () => {
    const account = newAccount({ email: `Mixed.Case.${Date.now()}@Example.COM` })
    const signup = await auth.post('/auth/signup', account)
    expect(signup.body.user.email).toBe(account.email.toLowerCase())
    const login = await auth.post('/auth/login', {
      email: `  ${account.email.toUpperCase()} `,
      password: account.password,
    })
    expect(login.status).toBe(200)
    expect(login.body.user).toEqual(signup.body.user)
    const me = await auth.get('/auth/me', { authorization: `Bearer ${login.body.accessToken}` })
    expect(me.status).toBe(200)
    expect(me.body).toEqual({ ...signup.body.user, createdAt: expect.any(String) })
    expect(Number.isNaN(Date.parse(me.body.createdAt))).toBe(false)
  })

  it('refuses a second account for the same mailbox, however it is written', async () => {
    const account = newAccount({ email: `re\u0301my.${Date.now()}@example.com` })
    expect((await auth.post('/auth/signup', account)).status).toBe(201)
    const again = await auth.post('/auth/signup', {
      ...account,
      email: account.email.normalize('NFC').toUpperCase(),
    })
    expect(again.status).toBe(409)
    expect(again.body.code).toBe('EMAIL_TAKEN')
  })

  it('stores IDN domains once, in their ASCII form', async () => {
    const local = `idn${Date.now()}`
    const signup = await auth.post('/auth/signup', newAccount({ email: `${local}@Bücher.de` }))
    expect(signup.body.user.email).toBe(`${local}@xn--bcher-kva.de`)
    const login = await auth.post('/auth/login', {
      email: `${local}@xn--bcher-kva.de`,
      password: newAccount().password,
    })
    expect(login.status).toBe(200)
  })

  it('rejects passwords under 10 characters with WEAK_PASSWORD', async () => {
    const short = await auth.post('/auth/signup', newAccount({ password: '123456789' }))
    expect(short.status).toBe(400)
    expect(short.body.code).toBe('WEAK_PASSWORD')
    // ten code points, even if they are emoji
    expect((await auth.post('/auth/signup', newAccount({ password: '🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑' }))).status).toBe(
      201,
    )
  })

  it('answers an unknown user and a wrong password identically', async () => {
    const account = newAccount()
    await auth.post('/auth/signup', account)
    const wrong = await auth.post('/auth/login', { email: account.email, password: 'not the password' })
    const unknown = await auth.post('/auth/login', {
      email: `nobody.${Date.now()}@example.com`,
      password: 'not the password',
    })
    const malformed = await auth.post('/auth/login', { email: 'not-an-email', password: 'not the password' })
    for (const response of [wrong, unknown, malformed]) {
      expect(response.status).toBe(401)
      expect(response.body).toEqual({ code: 'INVALID_CREDENTIALS', message: wrong.body.message })
    }
  })

  it('rejects /auth/me without a valid bearer token with INVALID_TOKEN', async () => {
    const { body } = await auth.post('/auth/signup', newAccount())
    const [head, payload, signature] = body.accessToken.split('.')
    const tampered = `${head}.${payload}.${signature!.slice(0, -4)}AAAA`
    for (const authorization of [
      undefined,
      'Basic abc',
      'Bearer',
      'Bearer not.a.jwt',
      `Bearer ${tampered}`,
    ]) {
      const me = await auth.get('/auth/me', authorization ? { authorization } : {})
      expect(me.status).toBe(401)
      expect(me.body.code).toBe('INVALID_TOKEN')
      expect(me.headers.get('www-authenticate')).toContain('invalid_token')
    }
  })
})
