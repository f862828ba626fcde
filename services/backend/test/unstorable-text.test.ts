import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, startStack } from './support/backend-harness.js'
import { startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js'
import { ChatClient } from './support/ws-client.js'

// Postgres refuses NUL in text (22021), and an unpaired surrogate has no UTF-8 form: client input holding
// either is refused with a code, provider output holding either is repaired (U+FFFD) and stored.
let stack: Awaited<ReturnType<typeof startStack>>
let fake: FakeOpenAi
beforeAll(async () => {
  fake = await startFakeOpenAi()
  fake.behaviour = (text) => (text.includes('[unstorable]') ? 'unstorable-text' : 'stream')
  stack = await startStack('backend_unstorable', {
    env: { LLM_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-model' },
  })
})
afterAll(async () => {
  await stack?.close()
  await fake?.close()
})

describe('text Postgres cannot store', () => {
  it('POST /api/threads refuses a title with NUL or an unpaired surrogate: 400 VALIDATION_FAILED', async () => {
    const token = await stack.auth.mint()
    for (const title of ['a\u0000b', 'a\ud800b', '\udc00']) {
      const answer = await api(stack.url, token, 'POST', '/api/threads', { title })
      expect(answer.status, JSON.stringify(title)).toBe(400)
      expect(answer.body.code).toBe('VALIDATION_FAILED')
      expect(answer.body.message).toContain('NUL')
    }
    // a real pair is fine
    expect((await api(stack.url, token, 'POST', '/api/threads', { title: 'ok 😀' })).status).toBe(201)
  })

  it('message.send with NUL or an unpaired surrogate in text or clientMsgId gets INVALID_FRAME, nothing stored', async () => {
    const token = await stack.auth.mint()
    const threadId = (await api(stack.url, token, 'POST', '/api/threads')).body.id!
    const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
    await client.next((f) => f.type === 'auth.ok')
    const bad = [
      { ref: 'nul-text', clientMsgId: 'c1', text: 'hello\u0000' },
      { ref: 'lone-text', clientMsgId: 'c2', text: 'hello \ud800' },
      { ref: 'nul-id', clientMsgId: 'c\u00003', text: 'hello' },
    ]
    for (const frame of bad) {
      client.send({ type: 'message.send', threadId, ...frame })
      expect(await client.next((f) => f.ref === frame.ref)).toMatchObject({
        type: 'error',
        code: 'INVALID_FRAME',
      })
    }
    // the same bytes written by hand: JSON escapes decode to the same characters
    client.send(
      `{"type":"message.send","threadId":"${threadId}","clientMsgId":"c4","text":"x\\u0000y","ref":"raw"}`,
    )
    expect(await client.next((f) => f.ref === 'raw')).toMatchObject({ code: 'INVALID_FRAME' })
    expect(client.frames.some((f) => f.type === 'message.ack')).toBe(false)
    expect((await api(stack.url, token, 'GET', `/api/threads/${threadId}/messages`)).body.items).toEqual([])
    client.close()
  })

  it('provider output with NUL and an unpaired surrogate is stored with U+FFFD (fake OpenAI-compatible server)', async () => {
    const token = await stack.auth.mint()
    const threadId = (await api(stack.url, token, 'POST', '/api/threads')).body.id!
    const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
    client.send({ type: 'message.send', threadId, clientMsgId: 'u1', text: '[unstorable] go' })
    const done = await client.next((f) => f.type === 'run.completed' || f.type === 'run.failed')
    expect(done.type, JSON.stringify(done)).toBe('run.completed')
    const expected = 'nul:\uFFFD lone:\uFFFD pair:😀'
    expect(done.text).toBe(expected)
    const stored = await api(stack.url, token, 'GET', `/api/threads/${threadId}/messages`)
    expect(stored.body.items.map((m) => m.text)).toEqual(['[unstorable] go', expected])
    client.close()
  })
})
