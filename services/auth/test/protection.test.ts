import { beforeAll, describe, expect, it } from 'vitest'
import { newAccount, startAuth, type RunningAuth } from './support.js'

let auth: RunningAuth
/** Same service without tight limits, for the bad-input table. */
let open: RunningAuth
/** RATE_LIMIT_PER_ACCOUNT=5 and no practical IP limit: what the email-variants test needs. */
let perAccount: RunningAuth
/** In production behind one load balancer (`TRUST_PROXY=1`). */
let behindBalancer: RunningAuth
beforeAll(async () => {
  ;[open, auth, perAccount, behindBalancer] = await Promise.all([
    startAuth(),
    startAuth({
      RATE_LIMIT_PER_IP: '6',
      RATE_LIMIT_PER_ACCOUNT: '3',
      RATE_LIMIT_REFRESH_PER_IP: '3',
      RATE_LIMIT_WINDOW_MS: '60000',
      CORS_ORIGINS: 'https://chat.example.com, http://localhost:3000',
    }),
    startAuth({ RATE_LIMIT_PER_ACCOUNT: '5' }),
    startAuth({ NODE_ENV: 'production', DRAIN_DELAY_MS: '0', TRUST_PROXY: '1', RATE_LIMIT_PER_IP: '4' }),
  ])
})

/** Requests as if from another client IP (Fastify's inject sets the socket address). */
const fromIp = (
  remoteAddress: string,
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
  service: RunningAuth = auth,
) => service.service.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress, headers })
const codesOf = (responses: { json<T>(): T }[]) => responses.map((r) => r.json<{ code: string }>().code)

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

describe('rate limits key on who the client really is', () => {
  it('counts every spelling of an email that logs into one account against that account', async () => {
    const local = `v.${Date.now()}`
    const account = newAccount({ email: `${local}@example.com` })
    expect((await fromIp('10.6.0.1', '/auth/signup', account, {}, perAccount)).statusCode).toBe(201)
    // Each of these is the same account to the lookup: the domain is mapped as IDNA maps it.
    const variants = [
      `${local}@exam\u00ADple.com`, // soft hyphen
      `${local}@example\u3002com`, // ideographic full stop
      `${local}@example\uFF0Ecom`, // fullwidth full stop
      `${local}@example\uFF61com`, // halfwidth ideographic full stop
      `${local}@ＥＸＡＭＰＬＥ.com`, // fullwidth letters
      ` ${local.toUpperCase()}@Example.COM `,
      `${local}@e\u00ADx\u00ADample.com`,
      `${local}@exam\u200Bple.com`, // zero-width space
    ]
    const responses = []
    for (const [i, email] of variants.entries())
      responses.push(
        await fromIp(`10.6.1.${i}`, '/auth/login', { email, password: 'wrong password' }, {}, perAccount),
      )
    expect(codesOf(responses)).toEqual([
      ...Array<string>(5).fill('INVALID_CREDENTIALS'),
      ...Array<string>(3).fill('RATE_LIMITED'),
    ])
    // A variant with the right password is the account, and is limited with it.
    const right = await fromIp('10.6.2.1', '/auth/login', { ...account, email: variants[1] }, {}, perAccount)
    expect(right.statusCode).toBe(429)
  })

  it('ignores x-forwarded-for from a client that is not a trusted proxy', async () => {
    const responses = []
    for (let i = 0; i < 8; i++)
      responses.push(
        await fromIp(
          '203.0.113.50',
          '/auth/login',
          { email: `spoof${i}@example.com`, password: 'x'.repeat(12) },
          { 'x-forwarded-for': `10.9.${i}.1` },
        ),
      )
    expect(responses.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401, 401, 429, 429])
  })

  it('behind a trusted balancer, keys on the address it appended, whatever the client put before it', async () => {
    const attempt = (forwardedFor: string, i: number) =>
      fromIp(
        '10.0.0.2', // the balancer
        '/auth/login',
        { email: `balanced${i}@example.com`, password: 'x'.repeat(12) },
        { 'x-forwarded-for': forwardedFor },
        behindBalancer,
      )
    const responses = []
    for (let i = 0; i < 6; i++) responses.push(await attempt(`6.6.6.${i}, 198.51.100.7`, i))
    expect(responses.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 429, 429])
    // another real client behind the same balancer is not affected
    expect((await attempt('198.51.100.8', 99)).statusCode).toBe(401)
  })

  it('limits refresh and logout per client IP, each on its own', async () => {
    const token = 'tarmac_rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    for (const path of ['/auth/refresh', '/auth/logout']) {
      const responses = []
      for (let i = 0; i < 5; i++) responses.push(await fromIp('10.7.0.1', path, { refreshToken: token }))
      expect(responses.map((r) => r.statusCode)).toEqual([401, 401, 401, 429, 429])
      const limited = responses[3]!
      expect(limited.json<{ code: string }>().code).toBe('RATE_LIMITED')
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    }
    // another IP is not affected
    expect((await fromIp('10.7.0.2', '/auth/refresh', { refreshToken: token })).statusCode).toBe(401)
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
