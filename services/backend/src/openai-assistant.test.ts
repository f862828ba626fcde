import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOpenAi, type FakeOpenAi } from '../test/support/fake-openai.js'
import { chatCompletionDeltas, createOpenAiAssistant } from './openai-assistant.js'

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
