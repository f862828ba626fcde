import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, startStack } from './support/backend-harness.js'

let stack: Awaited<ReturnType<typeof startStack>>
beforeAll(async () => {
  stack = await startStack('backend_rest', { options: { jwksCooldownMs: 0 } })
})
afterAll(() => stack?.close())

describe('REST threads and messages', () => {
  it('starts in exactly seven phases and passes its self-test', () => {
    const report = stack.backend.startup.report()
    expect(report.state).toBe('started')
    expect(report.phases.map((phase) => phase.name)).toEqual([
      'init',
      'dependencies',
      'database',
      'cache',
      'services',
      'websocket',
      'finalize',
    ])
    expect(report.phases.every((phase) => phase.state === 'completed')).toBe(true)
  })

  it('serves the health probes, with the startup report on /health/startup', async () => {
    expect((await fetch(`${stack.url}/health/ready`)).status).toBe(200)
    const startup = await fetch(`${stack.url}/health/startup`)
    expect(startup.status).toBe(200)
    const body = (await startup.json()) as { report: { phases: { name: string; durationMs: number }[] } }
    expect(body.report.phases.map((phase) => phase.name)).toContain('finalize')
    const infrastructure = (await (await fetch(`${stack.url}/health/infrastructure`)).json()) as {
      checks: Record<string, unknown>
    }
    expect(Object.keys(infrastructure.checks).some((name) => name.startsWith('postgres:'))).toBe(true)
  })

  it('requires a valid bearer token', async () => {
    expect((await api(stack.url, undefined, 'GET', '/api/threads')).body.code).toBe('UNAUTHORIZED')
    const foreign = await stack.auth.mint({ key: 'foreign' })
    const answer = await api(stack.url, foreign, 'GET', '/api/threads')
    expect(answer.status).toBe(401)
    expect(answer.body.code).toBe('UNAUTHORIZED')
    const wrongAudience = await stack.auth.mint({ audience: 'elsewhere' })
    expect((await api(stack.url, wrongAudience, 'GET', '/api/threads')).status).toBe(401)
  })

  it('refetches the JWKS when a token carries an unknown kid (key rotation)', async () => {
    const before = stack.auth.jwksRequests
    await stack.auth.rotate()
    const token = await stack.auth.mint()
    expect((await api(stack.url, token, 'GET', '/api/threads')).status).toBe(200)
    expect(stack.auth.jwksRequests).toBe(before + 1)
    expect((await api(stack.url, await stack.auth.mint(), 'GET', '/api/threads')).status).toBe(200)
    expect(stack.auth.jwksRequests).toBe(before + 1) // cached again
  })

  it('creates, lists newest first with a cursor, and deletes threads', async () => {
    const token = await stack.auth.mint()
    const created = []
    for (const title of ['one', 'two', 'three']) {
      const answer = await api(stack.url, token, 'POST', '/api/threads', { title })
      expect(answer.status).toBe(201)
      expect(answer.body).toMatchObject({ id: expect.any(String), title, createdAt: expect.any(String) })
      created.push(answer.body.id!)
    }
    const untitled = await api(stack.url, token, 'POST', '/api/threads')
    expect(untitled.status).toBe(201)
    expect(untitled.body.title).toBe('New chat')

    const first = await api(stack.url, token, 'GET', '/api/threads?limit=2')
    expect(first.body.items.map((t) => t.title)).toEqual(['New chat', 'three'])
    const second = await api(stack.url, token, 'GET', `/api/threads?limit=2&cursor=${first.body.nextCursor!}`)
    expect(second.body.items.map((t) => t.title)).toEqual(['two', 'one'])
    expect(second.body.nextCursor).toBeNull()

    expect((await api(stack.url, token, 'DELETE', `/api/threads/${created[0]}`)).status).toBe(204)
    expect((await api(stack.url, token, 'DELETE', `/api/threads/${created[0]}`)).body.code).toBe(
      'THREAD_NOT_FOUND',
    )
    expect((await api(stack.url, token, 'GET', '/api/threads')).body.items).toHaveLength(3)
  })

  it('shows a user only their own threads: another user gets 404', async () => {
    const alice = await stack.auth.mint()
    const bob = await stack.auth.mint()
    const thread = (await api(stack.url, alice, 'POST', '/api/threads', { title: 'alice only' })).body
    const bobsView = await api(stack.url, bob, 'GET', `/api/threads/${thread.id}/messages`)
    expect(bobsView.status).toBe(404)
    expect(bobsView.body.code).toBe('THREAD_NOT_FOUND')
    expect((await api(stack.url, bob, 'DELETE', `/api/threads/${thread.id}`)).status).toBe(404)
    expect((await api(stack.url, bob, 'GET', '/api/threads')).body.items).toEqual([])
    expect((await api(stack.url, alice, 'GET', `/api/threads/${thread.id}/messages`)).body).toEqual({
      items: [],
      nextCursor: null,
    })
  })

  it('rejects bad input with codes', async () => {
    const token = await stack.auth.mint()
    expect((await api(stack.url, token, 'GET', '/api/threads/not-a-uuid/messages')).body.code).toBe(
      'THREAD_NOT_FOUND',
    )
    expect((await api(stack.url, token, 'GET', '/api/threads?cursor=bm9wZQ')).body.code).toBe(
      'INVALID_CURSOR',
    )
    expect((await api(stack.url, token, 'POST', '/api/threads', { title: '' })).body.code).toBe(
      'VALIDATION_FAILED',
    )
    expect((await api(stack.url, token, 'POST', '/api/threads', { colour: 'red' })).body.code).toBe(
      'VALIDATION_FAILED',
    )
    expect((await api(stack.url, token, 'GET', '/api/nothing')).body.code).toBe('NOT_FOUND')
  })
})
