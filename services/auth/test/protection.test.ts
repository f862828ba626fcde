import { beforeAll, describe, expect, it } from 'vitest'
import { newAccount, startAuth, type RunningAuth } from './support.js'

let auth: RunningAuth
/** Same service without tight limits, for the bad-input table. */
let open: RunningAuth
beforeAll(async () => {
  open = await startAuth()
  auth = await startAuth({
    RATE_LIMIT_PER_IP: '6',
    RATE_LIMIT_PER_ACCOUNT: '3',
    RATE_LIMIT_WINDOW_MS: '60000',
    CORS_ORIGINS: 'https://chat.example.com, http://localhost:3000',
  })
})

/** Requests as if from another client IP (Fastify's inject sets the socket address). */
const fromIp = (remoteAddress: string, url: string, payload: unknown) =>
  auth.service.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress })

describe('rate limits', () => {
  it('limits login attempts per account, whichever IP they come from', async () => {
    const account = newAccount()
    await fromIp('10.0.0.1', '/auth/signup', account)
    const codes: string[] = []
    for (let i = 0; i < 5; i++) {
      const response = await fromIp(`10.1.0.${i}`, '/auth/login', {
        email: account.email,
        password: 'wrong password',
      })
      codes.push(response.json<{ code: string }>().code)
    }
    expect(codes).toEqual([
      'INVALID_CREDENTIALS',
      'INVALID_CREDENTIALS',
      'INVALID_CREDENTIALS',
      'RATE_LIMITED',
      'RATE_LIMITED',
    ])
    // the right password is limited too while the window lasts: the limit protects the account, not the attempt
    const right = await fromIp('10.2.0.1', '/auth/login', account)
    expect(right.statusCode).toBe(429)
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('limits login attempts per IP across accounts', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      const response = await fromIp('10.3.0.1', '/auth/login', {
        email: `nobody${i}@example.com`,
        password: 'x'.repeat(12),
      })
      statuses.push(response.statusCode)
    }
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401])
    expect(statuses.slice(6)).toEqual([429, 429])
    // another IP is not affected
    expect(
      (await fromIp('10.3.0.2', '/auth/login', { email: 'nobody@example.com', password: 'x'.repeat(12) }))
        .statusCode,
    ).toBe(401)
  })

  it('limits signups per IP, separately from logins', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 7; i++)
      statuses.push((await fromIp('10.4.0.1', '/auth/signup', newAccount())).statusCode)
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429])
    expect(
      (await fromIp('10.4.0.1', '/auth/login', { email: 'nobody@example.com', password: 'x'.repeat(12) }))
        .statusCode,
    ).toBe(401)
  })
})

describe('headers', () => {
  it('sends security headers', async () => {
    const { headers } = await auth.get('/.well-known/jwks.json')
    expect(headers.get('x-content-type-options')).toBe('nosniff')
    expect(headers.get('strict-transport-security')).toContain('max-age')
    expect(headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(headers.get('content-security-policy')).toContain("default-src 'self'")
  })

  it('allows CORS only from the configured origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${auth.baseUrl}/auth/login`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      })
    const allowed = await preflight('https://chat.example.com')
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://chat.example.com')
    const local = await preflight('http://localhost:3000')
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:3000')
    const denied = await preflight('https://evil.example.com')
    expect(denied.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('bad input gets a 4xx with a code, never a 5xx', () => {
  const valid = () => newAccount()
  const cases: [string, string, unknown, number, string][] = [
    ['missing fields', '/auth/signup', {}, 400, 'VALIDATION_FAILED'],
    [
      'missing password',
      '/auth/signup',
      { email: 'a@example.com', displayName: 'A' },
      400,
      'VALIDATION_FAILED',
    ],
    ['number email', '/auth/signup', { ...valid(), email: 12345 }, 400, 'VALIDATION_FAILED'],
    [
      'object password',
      '/auth/login',
      { email: 'a@example.com', password: { $ne: '' } },
      400,
      'VALIDATION_FAILED',
    ],
    ['array body', '/auth/login', [], 400, 'VALIDATION_FAILED'],
    ['null body', '/auth/login', 'null', 400, 'VALIDATION_FAILED'],
    ['string body', '/auth/refresh', '"tarmac_rt_x"', 400, 'VALIDATION_FAILED'],
    ['boolean token', '/auth/refresh', { refreshToken: true }, 400, 'VALIDATION_FAILED'],
    ['malformed JSON', '/auth/login', '{"email": "a@example.com",', 400, 'INVALID_JSON'],
    ['empty JSON body', '/auth/login', '', 400, 'INVALID_JSON'],
    ['NUL in email', '/auth/signup', { ...valid(), email: 'a\u0000b@example.com' }, 400, 'INVALID_EMAIL'],
    [
      'lone surrogate in email',
      '/auth/signup',
      { ...valid(), email: 'a\ud800@example.com' },
      400,
      'INVALID_EMAIL',
    ],
    [
      'zero-width space in email',
      '/auth/signup',
      { ...valid(), email: 'a\u200b@example.com' },
      400,
      'INVALID_EMAIL',
    ],
    ['two @ in email', '/auth/signup', { ...valid(), email: 'a@b@example.com' }, 400, 'INVALID_EMAIL'],
    [
      '320-character email',
      '/auth/signup',
      { ...valid(), email: `${'a'.repeat(300)}@example.com` },
      400,
      'INVALID_EMAIL',
    ],
    [
      'NUL in display name',
      '/auth/signup',
      { ...valid(), displayName: 'a\u0000b' },
      400,
      'INVALID_DISPLAY_NAME',
    ],
    [
      'lone surrogate in name',
      '/auth/signup',
      { ...valid(), displayName: '\udfff' },
      400,
      'INVALID_DISPLAY_NAME',
    ],
    [
      'bidi override in name',
      '/auth/signup',
      { ...valid(), displayName: 'admin\u202egnp.exe' },
      400,
      'INVALID_DISPLAY_NAME',
    ],
    ['blank display name', '/auth/signup', { ...valid(), displayName: ' \t ' }, 400, 'INVALID_DISPLAY_NAME'],
    [
      'long display name',
      '/auth/signup',
      { ...valid(), displayName: 'n'.repeat(65) },
      400,
      'INVALID_DISPLAY_NAME',
    ],
    [
      'display name too long for the schema',
      '/auth/signup',
      { ...valid(), displayName: 'n'.repeat(300) },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'NUL in password (too short)',
      '/auth/signup',
      { ...valid(), password: '\u0000\u0000' },
      400,
      'WEAK_PASSWORD',
    ],
    [
      '1 MB body',
      '/auth/login',
      { email: 'a@example.com', password: 'x'.repeat(1024 * 1024) },
      413,
      'BODY_TOO_LARGE',
    ],
  ]

  it.each(cases)('%s → %i %s', async (_name, path, body, status, code) => {
    const response = await open.post(path, typeof body === 'string' ? body : JSON.stringify(body))
    expect(response.status).toBe(status)
    expect(response.body.code).toBe(code)
    expect(typeof response.body.message).toBe('string')
  })

  it('answers a non-JSON content type with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await open.post('/auth/login', 'email=a', {
      'content-type': 'application/x-www-form-urlencoded',
    })
    expect(response.status).toBe(415)
    expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE')
  })

  it('answers unknown routes with 404 NOT_FOUND', async () => {
    const response = await open.get('/auth/nope')
    expect(response.status).toBe(404)
    expect(response.body.code).toBe('NOT_FOUND')
  })

  it('accepts a NUL inside a long-enough password (hashed, never stored)', async () => {
    const account = newAccount({ password: 'abc\u0000defghijk' })
    expect((await open.post('/auth/signup', account)).status).toBe(201)
    expect((await open.post('/auth/login', account)).status).toBe(200)
  })
})
