import { afterAll, describe, expect, it } from 'vitest'
import { createAuthService, loadAuthConfig } from '../src/index.js'

// The app alone, its gate open and no database behind it: every login that passes the limits answers 503
// (no accounts yet), so thousands of attempts cost no password hashing — only the limiter is under test.
const service = await createAuthService(
  loadAuthConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://127.0.0.1:9/unused',
    RATE_LIMIT_PER_ACCOUNT: '3',
    RATE_LIMIT_PER_IP: '1000000',
  }),
)
service.gate.set('serving')
afterAll(() => service.app.close())

const login = (email: string, remoteAddress: string) =>
  service.app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { email, password: 'wrong password' },
    remoteAddress,
  })

describe('the in-memory rate limiter under a flood of junk keys', () => {
  it('keeps a victim’s per-account counter through 6,000 attempts on other accounts', async () => {
    const victim = 'victim@example.com'
    for (let i = 0; i < 3; i++) expect((await login(victim, '10.0.0.1')).statusCode).not.toBe(429)
    for (let i = 0; i < 6_000; i++) await login(`junk${i}@example.com`, `10.1.${i >> 8}.${i & 255}`)
    // The victim's 4th attempt in the window is over its limit of 3, whoever flooded in between.
    const fourth = await login(victim, '10.0.0.2')
    expect(fourth.statusCode).toBe(429)
  }, 120_000)
})
