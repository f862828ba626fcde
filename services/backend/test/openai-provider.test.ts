import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '@tarmac/service'
import { until } from '@tarmac/testing'
import { api, startStack } from './support/backend-harness.js'
import { FAKE_LEAKED_KEY, startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.js'
import { ChatClient } from './support/ws-client.js'

let fake: FakeOpenAi
let stack: Awaited<ReturnType<typeof startStack>>
/** The backend's log lines, as its logger writes them. */
const logLines: string[] = []
beforeAll(async () => {
  fake = await startFakeOpenAi({ apiKey: 'sk-test-key' })
  const fixed = {
    '[bad-key]': 'bad-key',
    '[gateway-html]': 'gateway-html',
    '[error-event]': 'error-event',
  } as const
  fake.behaviour = (text) =>
    Object.entries(fixed).find(([marker]) => text.includes(marker))?.[1] ??
    (text.includes('[http-error]')
      ? 'http-error'
      : text.includes('[no-headers]')
        ? 'no-headers'
        : text.includes('[slow]')
          ? 'slow-forever'
          : text.includes('[broken]')
            ? 'broken-stream'
            : 'stream')
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString())
      done()
    },
  })
  stack = await startStack('backend_openai', {
    env: {
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: 'sk-test-key',
      LLM_MODEL: 'fake-model',
    },
    options: {
      logger: createLogger({ name: 'backend', level: 'warn', destination }),
      deltaFlushMs: 0,
      providerConnectTimeoutMs: 1_000,
      providerIdleTimeoutMs: 1_000,
      providerRunTimeoutMs: 1_500,
    },
  })
})
afterAll(async () => {
  await stack?.close()
  await fake?.close()
})

async function send(text: string) {
  const token = await stack.auth.mint()
  const threadId = (await api(stack.url, token, 'POST', '/api/threads')).body.id!
  const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
  client.send({ type: 'message.send', threadId, clientMsgId: randomUUID(), text })
  const ack = await client.next((f) => f.type === 'message.ack')
  const end = await client.next((f) => f.type === 'run.completed' || f.type === 'run.failed')
  client.close()
  const stored = await api(stack.url, token, 'GET', `/api/threads/${threadId}/messages`)
  return { ack, end, client, stored: stored.body.items }
}

describe('openai provider (fake OpenAI-compatible server)', () => {
  it('passed the finalize round trip through the fake server at startup', () => {
    expect(fake.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'status' })
  })

  it('streams the completion as run.delta frames and stores it with openai metadata', async () => {
    const { end, client, stored } = await send('hello there model')
    expect(end.type).toBe('run.completed')
    const deltas = client.frames.filter((f) => f.type === 'run.delta').map((f) => f.delta)
    expect(deltas).toEqual(['Echo: ', 'hello ', 'there ', 'model'])
    expect(end.text).toBe('Echo: hello there model')
    expect(end.metadata).toMatchObject({ provider: 'openai', model: 'fake-model', offline: false })
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant'])
    const request = fake.requests.at(-1)!
    expect(request).toMatchObject({ model: 'fake-model', stream: true })
    expect(request.messages[0]!.role).toBe('system')
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: 'hello there model' })
  })

  it('an HTTP error from the provider → run.failed PROVIDER_ERROR; the user message is kept', async () => {
    const { end, stored } = await send('[http-error] please')
    expect(end).toMatchObject({ type: 'run.failed', code: 'PROVIDER_ERROR' })
    expect(stored.map((m) => m.role)).toEqual(['user'])
  })

  it('no response headers in time → run.failed PROVIDER_TIMEOUT', async () => {
    expect((await send('[no-headers]')).end).toMatchObject({ type: 'run.failed', code: 'PROVIDER_TIMEOUT' })
  })

  it('a stream that never ends → run.failed PROVIDER_TIMEOUT after the run timeout', async () => {
    const { end, client } = await send('[slow]')
    expect(end).toMatchObject({ type: 'run.failed', code: 'PROVIDER_TIMEOUT' })
    expect(client.frames.some((f) => f.type === 'run.delta')).toBe(true)
  })

  it('a stream cut before [DONE] → run.failed PROVIDER_ERROR', async () => {
    expect((await send('[broken]')).end).toMatchObject({ type: 'run.failed', code: 'PROVIDER_ERROR' })
  })

  it("a provider's error text reaches no client and no log: the frame has the code and a fixed sentence", async () => {
    for (const marker of ['[bad-key]', '[gateway-html]', '[error-event]']) {
      const { end, client } = await send(`${marker} hello`)
      expect(end).toMatchObject({
        type: 'run.failed',
        code: 'PROVIDER_ERROR',
        message: 'the assistant provider failed to answer; try again later',
      })
      for (const frame of client.frames) {
        expect(JSON.stringify(frame)).not.toContain('LEAKED')
        expect(JSON.stringify(frame)).not.toContain('<html')
      }
    }
    // The server's log line says what happened (status, the provider's error type and code) without the key.
    await until(() => logLines.some((line) => line.includes('invalid_api_key')))
    const failures = logLines.filter((line) => line.includes('assistant run failed'))
    expect(failures.join('\n')).not.toContain(FAKE_LEAKED_KEY.slice(3))
    expect(failures.join('\n')).not.toContain('LEAKED')
    const badKey = JSON.parse(failures.find((line) => line.includes('invalid_api_key'))!) as Record<
      string,
      unknown
    >
    expect(badKey).toMatchObject({
      code: 'PROVIDER_ERROR',
      provider: { status: 401, providerType: 'invalid_request_error', providerCode: 'invalid_api_key' },
    })
    expect(failures.some((line) => line.includes('HTTP 502'))).toBe(true)
    expect(failures.some((line) => line.includes('insufficient_quota'))).toBe(true)
  })
})
