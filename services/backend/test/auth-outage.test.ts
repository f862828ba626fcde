import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, startStack } from './support/backend-harness.js'
import { ChatClient } from './support/ws-client.js'

// The auth service (a test stand-in with a real JWKS endpoint) goes down after the backend started. The keys
// the backend holds keep verifying tokens; a token no held key can judge is a 503, not a 401.
let stack: Awaited<ReturnType<typeof startStack>>
beforeAll(async () => {
  stack = await startStack('backend_auth_outage', { options: { jwksCooldownMs: 0, jwksMaxAgeMs: 100 } })
})
afterAll(() => stack?.close())

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the auth service is down at a JWKS refetch', () => {
  it('keeps the last good key set: valid tokens still pass, even once the set is stale', async () => {
    const token = await stack.auth.mint()
    expect((await api(stack.url, token, 'GET', '/api/threads')).status).toBe(200)
    stack.auth.setAvailable(false)
    try {
      await pause(300) // older than jwksMaxAgeMs: every verify now tries a background refresh, which fails
      for (let i = 0; i < 3; i++) {
        expect((await api(stack.url, token, 'GET', '/api/threads')).status).toBe(200)
        expect((await api(stack.url, await stack.auth.mint(), 'GET', '/api/threads')).status).toBe(200)
        await pause(150)
      }
    } finally {
      stack.auth.setAvailable(true)
    }
  })

  it('a token with a key the backend cannot fetch is 503 DEPENDENCY_UNAVAILABLE over REST and 1013 over WebSocket', async () => {
    stack.auth.setAvailable(false)
    await stack.auth.rotate() // signs with a new kid the backend has never seen, and cannot fetch now
    const token = await stack.auth.mint()
    try {
      const answer = await api(stack.url, token, 'GET', '/api/threads')
      expect(answer.status).toBe(503)
      expect(answer.body.code).toBe('DEPENDENCY_UNAVAILABLE')

      const client = new ChatClient(stack.wsUrl, ['tarmac.v1', `bearer.${token}`])
      expect(await client.next((f) => f.type === 'error')).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' })
      expect((await client.closed).code).toBe(1013)

      // authenticating by frame: the same
      const byFrame = new ChatClient(stack.wsUrl, ['tarmac.v1'])
      await byFrame.opened()
      byFrame.send({ type: 'auth', token })
      expect(await byFrame.next((f) => f.type === 'error')).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' })
      expect((await byFrame.closed).code).toBe(1013)
    } finally {
      stack.auth.setAvailable(true)
    }
    // auth is back: the same token passes, no restart
    expect((await api(stack.url, token, 'GET', '/api/threads')).status).toBe(200)
  })

  it('a token signed by a key the auth service does not list is still 401 while auth answers', async () => {
    const answer = await api(stack.url, await stack.auth.mint({ key: 'foreign' }), 'GET', '/api/threads')
    expect(answer.status).toBe(401)
    expect(answer.body.code).toBe('UNAUTHORIZED')
  })
})
