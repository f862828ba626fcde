import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'

/** What a small GET answered: the status and the body as text. */
export interface HttpGetResponse {
  readonly status: number
  readonly text: string
}

const MAX_REDIRECTS = 5
const MAX_BODY_BYTES = 1024 * 1024

/**
 * A GET through `node:http`/`node:https`, for the requests a cold start makes before it is ready (the auth JWKS):
 * the global `fetch` would load Node's whole fetch implementation (undici) first, tens of milliseconds of CPU
 * that a bare server does not pay. Follows up to five redirects like `fetch`; a network failure rejects with
 * Node's own error (its `code`: ECONNREFUSED, ENOTFOUND…), an abort with the signal's reason.
 */
export function httpGet(
  url: string | URL,
  options: { signal: AbortSignal; headers?: Record<string, string> },
  redirects = 0,
): Promise<HttpGetResponse> {
  const target = new URL(url)
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(target, { headers: options.headers, signal: options.signal }, (response) => {
      const location = response.headers.location
      if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && location) {
        response.resume()
        if (redirects >= MAX_REDIRECTS) return reject(new Error(`more than ${MAX_REDIRECTS} redirects`))
        return resolve(httpGet(new URL(location, target), options, redirects + 1))
      }
      readBody(response).then((text) => resolve({ status: response.statusCode ?? 0, text }), reject)
    })
    req.once('error', (error) => reject(options.signal.aborted ? (options.signal.reason as Error) : error))
    req.end()
  })
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let bytes = 0
    response.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > MAX_BODY_BYTES)
        response.destroy(new Error(`the body is larger than ${MAX_BODY_BYTES} bytes`))
      else chunks.push(chunk)
    })
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    response.once('error', reject)
  })
}
