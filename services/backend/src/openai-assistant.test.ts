import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_LEAKED_KEY, startFakeOpenAi, type FakeOpenAi } from '../test/support/fake-openai.js'
import {
  chatCompletionDeltas,
  createOpenAiAssistant,
  publicUrlOf,
  type OpenAiAssistantOptions,
} from './openai-assistant.js'

function body(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece))
      controller.close()
    },
  })
}
const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`

async function collect(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = []
  for await (const delta of chatCompletionDeltas(stream)) out.push(delta)
  return out
}

describe('chatCompletionDeltas (the streaming Chat Completions format)', () => {
  it('yields each content delta, across chunk boundaries, until [DONE]', async () => {
    const whole = `: keep-alive\n\n${chunk('Hel')}${chunk('lo')}data: {"choices":[{"delta":{"role":"assistant"}}]}\n\ndata: [DONE]\n\n${chunk('after')}`
    expect(await collect(body(whole.slice(0, 7), whole.slice(7, 40), whole.slice(40)))).toEqual(['Hel', 'lo'])
  })

  it('fails with PROVIDER_ERROR on an error chunk, bad JSON, or a stream without [DONE]', async () => {
    await expect(collect(body('data: {"error":{"message":"overloaded"}}\n\n'))).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
    })
    await expect(collect(body('data: {oops\n\n'))).rejects.toMatchObject({ code: 'PROVIDER_ERROR' })
    await expect(collect(body(chunk('cut')))).rejects.toMatchObject({ code: 'PROVIDER_ERROR' })
  })
})

describe('createOpenAiAssistant against a fake of the remote LLM API (a local OpenAI-compatible server)', () => {
  let fake: FakeOpenAi
  beforeAll(async () => {
    fake = await startFakeOpenAi({ apiKey: 'sk-test' })
  })
  afterAll(() => fake.close())

  const assistantWith = (timeouts: Partial<OpenAiAssistantOptions> = {}) =>
    createOpenAiAssistant({
      baseUrl: fake.baseUrl,
      apiKey: 'sk-test',
      model: 'fake-model',
      connectTimeoutMs: 5_000,
      idleTimeoutMs: 5_000,
      runTimeoutMs: 30_000,
      ...timeouts,
    })
  async function run(assistant: ReturnType<typeof createOpenAiAssistant>, text = 'think hard') {
    const deltas: string[] = []
    for await (const delta of assistant.stream([{ role: 'user', text }], new AbortController().signal))
      deltas.push(delta)
    return deltas
  }
  const failureOf = (assistant: ReturnType<typeof createOpenAiAssistant>) =>
    run(assistant).then(
      () => {
        throw new Error('the run did not fail')
      },
      (error: unknown) => error as { code: string; message: string; summary: Record<string, unknown> },
    )

  it('a model that thinks past both timeouts, streaming only keep-alives, role-only chunks and reasoning, completes', async () => {
    // The fillers come every 200 ms for 3 s: longer than the headers timeout (600 ms) and twice the idle
    // timeout (1.5 s), but never 1.5 s apart. Before, the headers timer kept running after the headers and
    // only a content delta reset the idle timer: PROVIDER_TIMEOUT "no response headers" after 600 ms.
    fake.behaviour = () => 'slow-thinking'
    fake.thinking = { intervalMs: 200, durationMs: 3_000 }
    const assistant = assistantWith({ connectTimeoutMs: 600, idleTimeoutMs: 1_500 })
    expect(await run(assistant, 'thought through')).toEqual(['Echo: ', 'thought through'])
  })

  it('nothing streamed after the headers → PROVIDER_TIMEOUT "no streamed data", not "no response headers"', async () => {
    fake.behaviour = () => 'slow-thinking'
    fake.thinking = { intervalMs: 10_000, durationMs: 20_000 } // the headers, then silence
    const error = await failureOf(assistantWith({ connectTimeoutMs: 200, idleTimeoutMs: 1_000 }))
    expect(error.code).toBe('PROVIDER_TIMEOUT')
    expect(error.message).toContain('no streamed data')
  })

  it("an HTTP error keeps the status and the provider's error type and code, never its text or key", async () => {
    fake.behaviour = () => 'bad-key'
    const badKey = await failureOf(assistantWith())
    expect(badKey).toMatchObject({
      code: 'PROVIDER_ERROR',
      summary: { status: 401, providerType: 'invalid_request_error', providerCode: 'invalid_api_key' },
    })
    expect(badKey.message).toBe(
      'the provider answered HTTP 401, type invalid_request_error, code invalid_api_key',
    )
    fake.behaviour = () => 'gateway-html'
    const gateway = await failureOf(assistantWith())
    expect(gateway).toMatchObject({ code: 'PROVIDER_ERROR', summary: { status: 502 } })
    expect(gateway.message).toBe('the provider answered HTTP 502')
    fake.behaviour = () => 'error-event'
    const event = await failureOf(assistantWith())
    expect(event).toMatchObject({ code: 'PROVIDER_ERROR', summary: { providerType: 'insufficient_quota' } })
    for (const error of [badKey, gateway, event])
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(FAKE_LEAKED_KEY.slice(3, 12))
  })

  it('streams an event whose JSON spans several data: lines, with \\r\\n line endings', async () => {
    fake.behaviour = () => 'multi-line-crlf'
    const assistant = createOpenAiAssistant({
      baseUrl: fake.baseUrl,
      apiKey: 'sk-test',
      model: 'fake-model',
      connectTimeoutMs: 5_000,
      idleTimeoutMs: 5_000,
      runTimeoutMs: 10_000,
    })
    const deltas: string[] = []
    for await (const delta of assistant.stream(
      [{ role: 'user', text: 'two\nlines' }],
      new AbortController().signal,
    ))
      deltas.push(delta)
    expect(deltas).toEqual(['Echo: ', 'two\nlines'])
  })
})

describe('publicUrlOf (what reply metadata and messages show of OPENAI_BASE_URL)', () => {
  it("a reply's metadata shows the base URL without the key a gateway URL may hold", () => {
    const assistant = createOpenAiAssistant({
      baseUrl: 'http://user:sk-gateway-key@127.0.0.1:1/v1/?api_key=abc',
      model: 'm',
      connectTimeoutMs: 1,
      idleTimeoutMs: 1,
      runTimeoutMs: 1,
    })
    expect(assistant.metadata.baseUrl).toBe('http://127.0.0.1:1/v1')
  })

  it('drops credentials, query and fragment', () => {
    expect(publicUrlOf('https://user:sk-secret@llm.example:8443/v1/?api_key=abc#x')).toBe(
      'https://llm.example:8443/v1',
    )
    expect(publicUrlOf('http://127.0.0.1:11434/v1')).toBe('http://127.0.0.1:11434/v1')
    expect(publicUrlOf('not a url')).toBe('(an invalid URL)')
  })
})
