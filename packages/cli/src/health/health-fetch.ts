import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { classifyError, type ProbeFailure, type ProbePhase } from '@tarmac/probe'
import { stripControls, stripControlsDeep } from '../terminal-text.js'

/** A health endpoint's answer: status, latency and the parsed body (undefined when it was not JSON). */
export interface HealthResponse {
  readonly status: number
  readonly latencyMs: number
  readonly body: unknown
  /** The headers that say who answered (`content-type`, `server`, `via`), when present. */
  readonly headers: Readonly<Record<string, string>>
}

/** Headers that tell a service's own answer from a platform's or a proxy's. */
const TELLING_HEADERS = ['content-type', 'server', 'via'] as const

export interface HealthFetchOptions {
  readonly timeoutMs: number
  /** HEALTH_TOKEN, sent as `Authorization: Bearer` so the service shows details. */
  readonly token?: string | undefined
  readonly signal?: AbortSignal
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly json?: unknown
}

const MAX_BODY_BYTES = 1_048_576

/**
 * GETs a health endpoint and keeps its body (the probes count bytes; the monitor and validate need the
 * document: startup phase, failing checks). Never throws for a network failure: it resolves with the
 * failure classified the way `@tarmac/probe` classifies it, so fault domains stay consistent.
 */
export function fetchHealth(
  url: string,
  options: HealthFetchOptions,
): Promise<HealthResponse | { failure: ProbeFailure; latencyMs: number }> {
  const startedMs = performance.now()
  const elapsed = () => Math.round((performance.now() - startedMs) * 10) / 10
  return new Promise((resolve) => {
    let phase: ProbePhase = 'tcp'
    let settled = false
    const finish = (value: HealthResponse | { failure: ProbeFailure; latencyMs: number }) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      req.destroy()
      resolve(value)
    }
    const fail = (error: unknown) => finish({ failure: classifyError(error, phase), latencyMs: elapsed() })
    const parsed = new URL(url)
    const headers: Record<string, string> = {
      accept: 'application/health+json, application/json',
      ...options.headers,
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`
    const payload = options.json === undefined ? undefined : JSON.stringify(options.json)
    if (payload !== undefined) headers['content-type'] = 'application/json'
    const request = parsed.protocol === 'https:' ? httpsRequest : httpRequest
    const req = request(url, { method: options.method ?? 'GET', headers, agent: false }, (response) => {
      phase = 'transfer'
      const chunks: Buffer[] = []
      let bytes = 0
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes <= MAX_BODY_BYTES) chunks.push(chunk)
      })
      response.once('error', fail)
      response.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown
        try {
          // What a service sent, without control sequences (its colours too): the print boundary keeps SGR.
          body = text === '' ? undefined : stripControlsDeep(JSON.parse(text))
        } catch {
          body = undefined
        }
        const telling: Record<string, string> = {}
        for (const name of TELLING_HEADERS) {
          const value = response.headers[name]
          if (typeof value === 'string') telling[name] = stripControls(value.slice(0, 120))
        }
        finish({ status: response.statusCode ?? 0, latencyMs: elapsed(), body, headers: telling })
      })
    })
    req.once('socket', (socket) => {
      socket.once('connect', () => (phase = parsed.protocol === 'https:' ? 'tls' : 'ttfb'))
      socket.once('secureConnect', () => (phase = 'ttfb'))
    })
    req.once('error', fail)
    const timer = setTimeout(
      () => fail(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      options.timeoutMs,
    )
    const onAbort = () => fail(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }))
    if (options.signal?.aborted) onAbort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    req.end(payload)
  })
}

/** Narrows a fetch outcome to a failure. */
export function isFetchFailure(
  value: HealthResponse | { failure: ProbeFailure; latencyMs: number },
): value is { failure: ProbeFailure; latencyMs: number } {
  return 'failure' in value
}
