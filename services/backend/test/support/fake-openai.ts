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

export interface FakeOpenAi {
  /** `http://127.0.0.1:<port>/v1`: use as OPENAI_BASE_URL. */
  readonly baseUrl: string
  /** Every chat completion request body received. */
  readonly requests: { model: string; stream: boolean; messages: { role: string; content: string }[] }[]
  /** Picks the behaviour per request from the last user message (default: always `stream`). */
  behaviour: (lastUserText: string) => FakeBehaviour
  /** The pace of `slow` (default 20 chunks, 150 ms apart: a 3 s reply). */
  slowChunks: number
  slowChunkMs: number
  close(): Promise<void>
}

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
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
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
