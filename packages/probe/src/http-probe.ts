import { request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'
import type { ProbeFailure } from './classify-error.js'
import { Deadline } from './deadline.js'
import { ProbeError } from './errors.js'
import { z } from 'zod'
import { PROBE_DEFAULTS, PROBE_OPTIONS_SCHEMA, resolveProbeOptions, type ProbeOptions } from './options.js'
import { PhaseClock } from './phase-clock.js'
import { runProbe, type ProbeResult } from './probe-result.js'
import { redactUrl } from './redact.js'
import { bareHost } from './resolve-host.js'
import { resolveAndConnect } from './tcp-connect.js'
import { tlsDetails, tlsHandshake } from './tls-handshake.js'

export interface HttpProbeOptions extends ProbeOptions {
  /** Default `GET`. */
  method?: string
  headers?: Record<string, string>
  /** The status(es) that count as success; default any 2xx or 3xx. */
  expectStatus?: number | readonly number[]
  /** https only: fail when the chain does not verify (default true). */
  rejectUnauthorized?: boolean
}

const STATUS = z
  .number()
  .int('must be a status code 100..599 or a list of them')
  .min(100, 'must be a status code 100..599 or a list of them')
  .max(599, 'must be a status code 100..599 or a list of them')

const HTTP_OPTIONS_SCHEMA = PROBE_OPTIONS_SCHEMA.extend({
  method: z
    .string()
    .regex(/^[A-Z]+$/i, 'must be an HTTP method name')
    .optional(),
  headers: z.record(z.string(), z.string(), 'must be an object of strings').optional(),
  expectStatus: z
    .union([STATUS, z.array(STATUS)], 'must be a status code 100..599 or a list of them')
    .optional(),
  rejectUnauthorized: z.boolean().optional(),
} satisfies Record<Exclude<keyof HttpProbeOptions, keyof ProbeOptions>, z.ZodType>)

/**
 * One HTTP(S) request over a fresh connection (no keep-alive, no agent), body read and counted.
 * Phases: `dns`, `tcp`, `tls` (https), `ttfb` (request sent → response headers), `transfer` (body).
 * Details: `addresses`, `address`, `status`, `httpVersion`, `bodyBytes`, and TLS facts for https.
 * An unexpected status is `HTTP_STATUS` (phase `ttfb`), with every phase still timed.
 * @example const result = await probeHttp('http://127.0.0.1:8000/health/live', { expectStatus: 200 })
 */
export function probeHttp(url: string, options?: HttpProbeOptions): Promise<ProbeResult> {
  const parsed = parseHttpUrl(url)
  const { signal, timeoutMs } = resolveProbeOptions(options, PROBE_DEFAULTS.timeoutMs, HTTP_OPTIONS_SCHEMA)
  const https = parsed.protocol === 'https:'
  const port = parsed.port === '' ? (https ? 443 : 80) : Number(parsed.port)
  const host = bareHost(parsed.hostname)
  const clock = new PhaseClock('dns')
  const deadline = new Deadline(timeoutMs, signal)
  return runProbe('http', redactUrl(url), clock, deadline, async (details) => {
    const socket = await resolveAndConnect(host, port, deadline, clock, details)
    let stream: Socket = socket
    const destroy = (): void => {
      stream.destroy()
      socket.destroy()
    }
    try {
      if (https) {
        clock.lap('tls')
        const tlsSocket = await tlsHandshake(
          socket,
          { host, rejectUnauthorized: options?.rejectUnauthorized, ALPNProtocols: ['http/1.1'] },
          deadline,
        )
        stream = tlsSocket
        Object.assign(details, tlsDetails(tlsSocket))
      }
      clock.lap('ttfb')
      const response = await deadline.guard(send(stream, parsed, port, https, options), () => 'ttfb', destroy)
      clock.lap('transfer')
      details.status = response.statusCode ?? 0
      details.httpVersion = response.httpVersion
      details.bodyBytes = await deadline.guard(readBody(response), () => 'transfer', destroy)
      clock.stop()
      return statusFailure(details.status, options?.expectStatus)
    } finally {
      destroy()
    }
  })
}

function parseHttpUrl(url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new ProbeError('PROBE_ERR_INVALID_TARGET', `invalid URL: ${redactUrl(String(url))}`, {
      cause: error,
    })
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ProbeError(
      'PROBE_ERR_INVALID_TARGET',
      `expected an http: or https: URL, got ${parsed.protocol}`,
    )
  }
  return parsed
}

function send(
  stream: Socket,
  url: URL,
  port: number,
  https: boolean,
  options?: HttpProbeOptions,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    // Each probe measures a fresh path: whatever the caller's headers say, the connection closes.
    const headers: OutgoingHttpHeaders = {}
    for (const [name, value] of Object.entries(options?.headers ?? {})) {
      if (name.toLowerCase() !== 'connection') headers[name] = value
    }
    headers.connection = 'close'
    const req = request({
      method: options?.method ?? 'GET',
      host: url.hostname,
      port,
      defaultPort: https ? 443 : 80,
      path: `${url.pathname}${url.search}`,
      headers,
      createConnection: () => stream,
    })
    req.once('response', resolve)
    req.once('error', reject)
    req.end()
  })
}

function readBody(response: IncomingMessage): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0
    response.on('data', (chunk: Buffer) => (bytes += chunk.length))
    response.once('end', () => resolve(bytes))
    response.once('error', reject)
    response.once('close', () => {
      if (!response.complete)
        reject(Object.assign(new Error('response body cut short'), { code: 'ECONNRESET' }))
    })
  })
}

function statusFailure(
  status: number,
  expect: number | readonly number[] | undefined,
): ProbeFailure | undefined {
  const ok =
    expect === undefined
      ? status >= 200 && status < 400
      : typeof expect === 'number'
        ? status === expect
        : expect.includes(status)
  return ok ? undefined : { class: 'HTTP_STATUS', phase: 'ttfb', message: `unexpected HTTP status ${status}` }
}
