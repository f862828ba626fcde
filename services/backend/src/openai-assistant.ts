import { createParser } from 'eventsource-parser'
import type { AssistantProvider, AssistantTurn } from './assistant.js'
import { BackendError, networkReasonOf } from './errors.js'
import {
  describeSummary,
  ProviderError,
  summarizeProviderBody,
  summarizeProviderError,
} from './provider-error.js'

export { ProviderError } from './provider-error.js'

export interface OpenAiAssistantOptions {
  /** e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama), a vLLM or llama.cpp server. */
  readonly baseUrl: string
  readonly apiKey?: string
  readonly model: string
  readonly connectTimeoutMs: number
  readonly idleTimeoutMs: number
  readonly runTimeoutMs: number
}

const SYSTEM_PROMPT = 'You are the Tarmac chat assistant. Answer concisely.'
/** How much of an error body is read to find its `error.type` and `error.code`; the rest is discarded. */
const MAX_ERROR_BODY_BYTES = 8 * 1024

/**
 * Parses an SSE body of Chat Completions chunks (`data: {...}` events, ending with `data: [DONE]`) with
 * `eventsource-parser`: an event's `data:` lines are joined, and `\n`, `\r\n` and `\r` all end a line.
 */
export async function* chatCompletionDeltas(
  body: AsyncIterable<Uint8Array>,
  onBytes: () => void = () => {},
): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  const events: string[] = []
  const parser = createParser({ onEvent: (event) => events.push(event.data) })
  for await (const bytes of body) {
    // Any bytes count as life, not only content: keep-alive comments, role-only chunks, reasoning deltas.
    onBytes()
    parser.feed(decoder.decode(bytes, { stream: true }))
    for (let data = events.shift(); data !== undefined; data = events.shift()) {
      if (data.trim() === '[DONE]') return
      let chunk: { choices?: { delta?: { content?: unknown } }[]; error?: unknown }
      try {
        chunk = JSON.parse(data) as typeof chunk
      } catch {
        throw new ProviderError('PROVIDER_ERROR', 'the provider sent a chunk that is not JSON')
      }
      if (chunk.error) {
        // The event's `message` is the provider's prose (it may quote a key): only `type` and `code` are kept.
        const summary = summarizeProviderError(chunk.error)
        const described = describeSummary(summary)
        throw new ProviderError(
          'PROVIDER_ERROR',
          `the provider sent an error event${described ? ` (${described})` : ''}`,
          { summary },
        )
      }
      const content = chunk.choices?.[0]?.delta?.content
      if (typeof content === 'string' && content !== '') yield content
    }
  }
  throw new ProviderError('PROVIDER_ERROR', 'the provider closed the stream without [DONE]')
}

/** `https://host:port/path` of a URL: without credentials, query or fragment. */
export function publicUrlOf(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '')
  } catch {
    return '(an invalid URL)'
  }
}

/** Reads at most `maxBytes` of a body as text, then cancels the rest: an error page is not worth a stream. */
async function readBounded(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  if (!body) return ''
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let bytes = 0
  try {
    while (bytes < maxBytes) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // A body cut short: what was read is all the summary gets.
  } finally {
    await reader.cancel().catch(() => {})
  }
  return text
}

/**
 * The OpenAI-compatible Chat Completions provider, streaming. Three timeouts, each ending the run with
 * `PROVIDER_TIMEOUT`: `connectTimeoutMs` until the response headers (stopped when they arrive),
 * `idleTimeoutMs` between two streamed bytes (any bytes: a keep-alive comment, a role-only chunk or a reasoning
 * delta keep a thinking model alive), and `runTimeoutMs` for the whole run. A failure's `message` holds only a
 * summary (status, the provider's error `type` and `code`), never the provider's text.
 */
export function createOpenAiAssistant(options: OpenAiAssistantOptions): AssistantProvider {
  const base = options.baseUrl.replace(/\/+$/, '')
  // What replies and messages may show of the URL: no user, password, query or fragment (a gateway's key can
  // sit in any of them), since every reply's metadata goes to the thread's clients and into the database.
  const shownBase = publicUrlOf(base)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`
  return {
    name: 'openai',
    metadata: Object.freeze({ provider: 'openai', model: options.model, offline: false, baseUrl: shownBase }),
    async check(signal) {
      let response: Response
      try {
        response = await fetch(`${base}/models`, { headers, signal })
      } catch (error) {
        throw new BackendError(
          'BACKEND_ERR_PROVIDER_UNAVAILABLE',
          `assistant provider at ${shownBase} unreachable: ${networkReasonOf(error)}`,
          { cause: error },
        )
      }
      await response.body?.cancel()
      const rejected = response.status === 401 || response.status === 403
      if (!response.ok) {
        throw new BackendError(
          'BACKEND_ERR_PROVIDER_UNAVAILABLE',
          `assistant provider at ${shownBase} answered GET /models with HTTP ${response.status}${rejected ? ' (check OPENAI_API_KEY)' : ''}`,
          { permanent: rejected },
        )
      }
    },
    async *stream(turns: readonly AssistantTurn[], signal: AbortSignal) {
      const controller = new AbortController()
      let timedOut: string | undefined
      const timeout = (what: string, ms: number) =>
        setTimeout(() => {
          timedOut = `${what} (${ms} ms)`
          controller.abort()
        }, ms)
      const onAbort = (): void => controller.abort()
      signal.addEventListener('abort', onAbort, { once: true })
      const runTimer = timeout('the whole run took too long', options.runTimeoutMs)
      const headersTimer = timeout('no response headers', options.connectTimeoutMs)
      let idleTimer: NodeJS.Timeout | undefined
      const stillStreaming = (): void => {
        clearTimeout(idleTimer)
        idleTimer = timeout('no streamed data', options.idleTimeoutMs)
      }
      let responded = false
      try {
        const response = await fetch(`${base}/chat/completions`, {
          method: 'POST',
          headers,
          signal: controller.signal,
          body: JSON.stringify({
            model: options.model,
            stream: true,
            messages: [
              { role: 'system', content: SYSTEM_PROMPT },
              ...turns.map((turn) => ({ role: turn.role, content: turn.text })),
            ],
          }),
        })
        responded = true
        clearTimeout(headersTimer)
        stillStreaming()
        if (!response.ok || !response.body) {
          const summary = summarizeProviderBody(
            response.status,
            await readBounded(response.body, MAX_ERROR_BODY_BYTES),
          )
          throw new ProviderError('PROVIDER_ERROR', `the provider answered ${describeSummary(summary)}`, {
            summary,
          })
        }
        for await (const delta of chatCompletionDeltas(response.body, stillStreaming)) yield delta
      } catch (error) {
        if (signal.aborted) throw signal.reason
        if (timedOut)
          throw new ProviderError('PROVIDER_TIMEOUT', `the provider timed out: ${timedOut}`, { cause: error })
        if (error instanceof ProviderError) throw error
        if (responded) {
          throw new ProviderError(
            'PROVIDER_ERROR',
            `the provider broke the stream: ${networkReasonOf(error)}`,
            {
              cause: error,
            },
          )
        }
        throw new ProviderError(
          'PROVIDER_UNAVAILABLE',
          `the provider is unreachable: ${networkReasonOf(error)}`,
          {
            cause: error,
          },
        )
      } finally {
        clearTimeout(runTimer)
        clearTimeout(headersTimer)
        clearTimeout(idleTimer)
        signal.removeEventListener('abort', onAbort)
        controller.abort()
      }
    },
  }
}
