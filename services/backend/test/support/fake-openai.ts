import { createServer, type ServerResponse } from 'node:http'

/** How the fake answers a chat completion. */
export type FakeBehaviour =
  | 'stream'
  | 'http-error'
  | 'slow-forever'
  /** Streams `slowChunks` chunks `slowChunkMs` apart, then ends: a slow model whose reply does complete. */
  | 'slow'
  | 'no-headers'
  | 'broken-stream'
  /** Streams a first chunk, then sends nothing and never ends: a provider hung mid-stream. */
  | 'hang-mid-stream'
  /** Streams text holding NUL and an unpaired surrogate, which Postgres cannot store as they are. */
  | 'unstorable-text'
  /** Streams with `\r\n` line endings and each chunk's JSON split over two `data:` lines, as SSE allows. */
  | 'multi-line-crlf'
  /** 401 with OpenAI's own body for a wrong key, which quotes the key (`FAKE_LEAKED_KEY`). */
  | 'bad-key'
  /** 502 with a gateway's HTML page (quoting the key in a header dump, as some proxies do). */
  | 'gateway-html'
  /** 200, a first chunk, then an error event whose message quotes the key. */
  | 'error-event'
  /**
   * A reasoning model thinking: headers at once, then for `thinking.durationMs` only role-only chunks,
   * keep-alive comments and reasoning deltas every `thinking.intervalMs` — no content — then the echo.
   */
  | 'slow-thinking'

export interface FakeOpenAi {
  /** `http://127.0.0.1:<port>/v1`: use as OPENAI_BASE_URL. */
  readonly baseUrl: string
  /** Every chat completion request body received. */
  readonly requests: { model: string; stream: boolean; messages: { role: string; content: string }[] }[]
  /** Picks the behaviour per request from the last user message (default: always `stream`). */
  behaviour: (lastUserText: string) => FakeBehaviour
  /** The pace of `slow-thinking` (default: a filler every 200 ms for 3 s). */
  thinking: { intervalMs: number; durationMs: number }
  /** The pace of `slow` (default 20 chunks, 150 ms apart: a 3 s reply). */
  slowChunks: number
  slowChunkMs: number
  close(): Promise<void>
}

/** A key-like string the fake's error answers quote, as real providers do: it must reach no client and no log. */
export const FAKE_LEAKED_KEY = 'sk-proj-LEAKEDabcdef0123456789wxyz'

/** What a thinking model sends before its content, in turn. */
const THINKING_FILLERS = [
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ delta: { role: 'assistant' } }] })}\n\n`,
  ': keep-alive\n\n',
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ delta: { reasoning_content: 'Hmm, ' } }] })}\n\n`,
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ delta: { reasoning: 'let me see. ' } }] })}\n\n`,
]

function chunk(response: ServerResponse, content: string): void {
  response.write(
    `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}\n\n`,
  )
}

/**
 * A local HTTP server speaking the OpenAI Chat Completions streaming protocol (SSE `data: {...}` chunks,
 * `data: [DONE]`), standing in for a remote LLM API that cannot exist in tests.
 */
export async function startFakeOpenAi(options: { apiKey?: string } = {}): Promise<FakeOpenAi> {
  const timers = new Set<NodeJS.Timeout>()
  const fake: FakeOpenAi = {
    baseUrl: '',
    requests: [],
    behaviour: () => 'stream',
    thinking: { intervalMs: 200, durationMs: 3_000 },
    slowChunks: 20,
    slowChunkMs: 150,
    close: async () => {},
  }
  const server = createServer((request, response) => {
    if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"bad key"}}')
      return
    }
    if (request.method === 'GET' && request.url === '/v1/models') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] }))
      return
    }
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      response.writeHead(404).end()
      return
    }
    let body = ''
    request.on('data', (data: Buffer) => (body += data.toString()))
    request.on('end', () => {
      const parsed = JSON.parse(body) as FakeOpenAi['requests'][number]
      fake.requests.push(parsed)
      const last = [...parsed.messages].reverse().find((m) => m.role === 'user')?.content ?? ''
      const behaviour = fake.behaviour(last)
      if (behaviour === 'no-headers') return
      if (behaviour === 'http-error') {
        response
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"error":{"message":"model crashed"}}')
        return
      }
      if (behaviour === 'bad-key') {
        response.writeHead(401, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: {
              message: `Incorrect API key provided: ${FAKE_LEAKED_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
              type: 'invalid_request_error',
              param: null,
              code: 'invalid_api_key',
            },
          }),
        )
        return
      }
      if (behaviour === 'gateway-html') {
        response
          .writeHead(502, { 'content-type': 'text/html' })
          .end(
            `<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><pre>upstream 10.0.3.7:8443 refused; authorization: Bearer ${FAKE_LEAKED_KEY}</pre></body></html>`,
          )
        return
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      if (behaviour === 'error-event') {
        chunk(response, 'Echo: ')
        response.end(
          `data: ${JSON.stringify({ error: { message: `quota exceeded for key ${FAKE_LEAKED_KEY}`, type: 'insufficient_quota', code: null } })}\n\n`,
        )
        return
      }
      if (behaviour === 'slow-thinking') {
        const { intervalMs, durationMs } = fake.thinking
        response.flushHeaders() // the headers go out now, as a provider's do, not with the first byte
        const endAtMs = Date.now() + durationMs
        let sent = 0
        const timer = setInterval(() => {
          if (Date.now() < endAtMs) {
            response.write(THINKING_FILLERS[sent++ % THINKING_FILLERS.length])
            return
          }
          clearInterval(timer)
          for (const piece of ['Echo: ', last]) chunk(response, piece)
          response.end('data: [DONE]\n\n')
        }, intervalMs)
        timers.add(timer)
        response.on('close', () => clearInterval(timer))
        return
      }
      if (behaviour === 'hang-mid-stream') {
        chunk(response, 'Let me think')
        return
      }
      if (behaviour === 'unstorable-text') {
        for (const piece of ['nul:\u0000', ' lone:\ud800', ' pair:\ud83d', '\ude00']) chunk(response, piece)
        response.end('data: [DONE]\n\n')
        return
      }
      if (behaviour === 'multi-line-crlf') {
        for (const content of ['Echo: ', last]) {
          const [head, tail] = JSON.stringify({
            object: 'chat.completion.chunk',
            choices: [{ delta: { content } }],
          }).split(/(?<="choices":)/)
          response.write(`: keep-alive\r\n\r\ndata: ${head}\r\ndata: ${tail}\r\n\r\n`)
        }
        response.end('data: [DONE]\r\n\r\n')
        return
      }
      if (behaviour === 'slow-forever') {
        const timer = setInterval(() => chunk(response, 'still thinking… '), 100)
        timers.add(timer)
        response.on('close', () => clearInterval(timer))
        return
      }
      if (behaviour === 'slow') {
        let sent = 0
        const timer = setInterval(() => {
          if (sent++ < fake.slowChunks) return chunk(response, `part ${sent} `)
          clearInterval(timer)
          response.end('data: [DONE]\n\n')
        }, fake.slowChunkMs)
        timers.add(timer)
        response.on('close', () => clearInterval(timer))
        return
      }
      for (const piece of ['Echo: ', ...last.split(/(?<= )/)]) chunk(response, piece)
      if (behaviour === 'broken-stream') {
        // Let the headers and first chunks reach the client, then cut the connection.
        setTimeout(() => response.destroy(), 50)
        return
      }
      response.end('data: [DONE]\n\n')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  Object.assign(fake, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer)
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
  return fake
}
