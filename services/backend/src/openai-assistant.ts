import { createParser } from 'eventsource-parser'
import type { AssistantProvider, AssistantTurn } from './assistant.js'
import { BackendError, networkReasonOf } from './errors.js'

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

/** A failure of the provider during a run; `code` goes into the `run.failed` frame. */
export class ProviderError extends BackendError {}

/**
 * Parses an SSE body of Chat Completions chunks (`data: {...}` events, ending with `data: [DONE]`) with
 * `eventsource-parser`: an event's `data:` lines are joined, and `\n`, `\r\n` and `\r` all end a line.
 */
export async function* chatCompletionDeltas(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  const events: string[] = []
  const parser = createParser({ onEvent: (event) => events.push(event.data) })
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }))
    for (let data = events.shift(); data !== undefined; data = events.shift()) {
      if (data.trim() === '[DONE]') return
      let chunk: { choices?: { delta?: { content?: unknown } }[]; error?: { message?: unknown } }
      try {
        chunk = JSON.parse(data) as typeof chunk
      } catch {
        throw new ProviderError('PROVIDER_ERROR', 'the provider sent a chunk that is not JSON')
      }
      if (chunk.error)
        throw new ProviderError('PROVIDER_ERROR', `the provider failed: ${String(chunk.error.message)}`)
      const content = chunk.choices?.[0]?.delta?.content
      if (typeof content === 'string' && content !== '') yield content
    }
  }
  throw new ProviderError('PROVIDER_ERROR', 'the provider closed the stream without [DONE]')
}

/**
 * The OpenAI-compatible Chat Completions provider, streaming. Three timeouts: until the response headers,
 * between two streamed bytes, and for the whole run; each ends the run with `PROVIDER_TIMEOUT`.
 */
export function createOpenAiAssistant(options: OpenAiAssistantOptions): AssistantProvider {
  const base = options.baseUrl.replace(/\/+$/, '')
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`
  return {
    name: 'openai',
    metadata: Object.freeze({ provider: 'openai', model: options.model, offline: false, baseUrl: base }),
    async check(signal) {
      let response: Response
      try {
        response = await fetch(`${base}/models`, { headers, signal })
      } catch (error) {
        throw new BackendError(
          'BACKEND_ERR_PROVIDER_UNAVAILABLE',
          `assistant provider at ${base} unreachable: ${networkReasonOf(error)}`,
          { cause: error, dependencyUnavailable: true },
        )
      }
      await response.body?.cancel()
      const rejected = response.status === 401 || response.status === 403
      if (!response.ok) {
        throw new BackendError(
          'BACKEND_ERR_PROVIDER_UNAVAILABLE',
          `assistant provider at ${base} answered GET /models with HTTP ${response.status}${rejected ? ' (check OPENAI_API_KEY)' : ''}`,
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
      let idleTimer = timeout('no response headers', options.connectTimeoutMs)
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
        if (!response.ok || !response.body) {
          const detail = (await response.text().catch(() => '')).slice(0, 200)
          throw new ProviderError('PROVIDER_ERROR', `the provider answered HTTP ${response.status} ${detail}`)
        }
        for await (const delta of chatCompletionDeltas(response.body)) {
          clearTimeout(idleTimer)
          idleTimer = timeout('no streamed data', options.idleTimeoutMs)
          yield delta
        }
      } catch (error) {
        if (signal.aborted) throw signal.reason
        if (timedOut) throw new ProviderError('PROVIDER_TIMEOUT', `the provider timed out: ${timedOut}`)
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
        clearTimeout(idleTimer)
        signal.removeEventListener('abort', onAbort)
        controller.abort()
      }
    },
  }
}
