import { createServer } from 'node:http'

/**
 * A stand-in for a remote LLM API (the one thing a bench cannot have here): an OpenAI-compatible server whose
 * every chat completion streams `chunks` pieces `chunkMs` apart, so a run lasts long enough for a SIGKILL to land
 * in the middle of many. Counts the completions asked for each user message, to find duplicate provider calls.
 */
export async function startSlowProvider(options: { chunks: number; chunkMs: number }) {
  const callsByText = new Map<string, number>()
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/v1/models') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ object: 'list', data: [{ id: 'bench-model', object: 'model' }] }))
      return
    }
    let body = ''
    request.on('data', (data: Buffer) => (body += data.toString()))
    request.on('end', () => {
      const { messages } = JSON.parse(body) as { messages: { role: string; content: string }[] }
      const last = [...messages].reverse().find((m) => m.role === 'user')?.content ?? ''
      callsByText.set(last, (callsByText.get(last) ?? 0) + 1)
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      let sent = 0
      const timer = setInterval(() => {
        if (sent++ < options.chunks) {
          const chunk = {
            object: 'chat.completion.chunk',
            choices: [{ index: 0, delta: { content: `part ${sent} ` } }],
          }
          response.write(`data: ${JSON.stringify(chunk)}\n\n`)
          return
        }
        clearInterval(timer)
        response.end('data: [DONE]\n\n')
      }, options.chunkMs)
      response.on('close', () => clearInterval(timer))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    callsByText,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
