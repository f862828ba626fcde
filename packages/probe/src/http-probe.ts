import type { Socket } from 'node:net'
import type { ProbeFailure } from './classify-error.js'
import { Deadline } from './deadline.js'
import { ProbeError } from './errors.js'
import { exchangeHttp1 } from './http1-exchange.js'
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
  headers: z
    .record(
      z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'header names must be HTTP tokens'),
      // What node:http refuses too (ERR_INVALID_CHAR): a CR or LF would split the request.
      z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'header values must not hold control characters'),
      'must be an object of strings',
    )
    .optional(),
  expectStatus: z
    .union([STATUS, z.array(STATUS)], 'must be a status code 100..599 or a list of them')
    .optional(),
  rejectUnauthorized: z.boolean().optional(),
} satisfies Record<Exclude<keyof HttpProbeOptions, keyof ProbeOptions>, z.ZodType>)

/** A probe of one URL, prepared once (URL, options and request bytes): each call runs one probe of it. */
export type HttpProbe = (run?: ProbeOptions) => Promise<ProbeResult>

/**
 * One HTTP(S) request over a fresh connection (no keep-alive, no agent), body read and counted.
 * Phases: `dns`, `tcp`, `tls` (https), `ttfb` (request sent → response headers), `transfer` (body).
 * Details: `addresses`, `address`, `status`, `httpVersion`, `bodyBytes`, and TLS facts for https.
 * An unexpected status is `HTTP_STATUS` (phase `ttfb`), with every phase still timed.
 * @example const result = await probeHttp('http://127.0.0.1:8000/health/live', { expectStatus: 200 })
 */
export function probeHttp(url: string, options?: HttpProbeOptions): Promise<ProbeResult> {
  return createHttpProbe(url, options)()
}

/**
 * `probeHttp` prepared once for a URL probed again and again (`tarmac monitor`): the URL, the options and the
 * request's bytes are checked and built here, not per probe. Each call takes `{ signal?, timeoutMs? }` for
 * that probe (default: the ones given here). Throws `PROBE_ERR_INVALID_TARGET` / `PROBE_ERR_INVALID_OPTIONS`.
 * @example const probe = createHttpProbe('http://10.0.0.7/health', { timeoutMs: 1_000 }); await probe()
 */
export function createHttpProbe(url: string, options?: HttpProbeOptions): HttpProbe {
  const parsed = parseHttpUrl(url)
  const defaults = resolveProbeOptions(options, PROBE_DEFAULTS.timeoutMs, HTTP_OPTIONS_SCHEMA)
  const https = parsed.protocol === 'https:'
  const port = parsed.port === '' ? (https ? 443 : 80) : Number(parsed.port)
  const host = bareHost(parsed.hostname)
  const target = redactUrl(url)
  const method = (options?.method ?? 'GET').toUpperCase()
  const request = requestOf(method, parsed, options?.headers)
  const bodyless = method === 'HEAD'
  const tls = { host, rejectUnauthorized: options?.rejectUnauthorized, ALPNProtocols: ['http/1.1'] }
  return (run) => {
    const { signal, timeoutMs } = run === undefined ? defaults : resolveProbeOptions(run, defaults.timeoutMs)
    const clock = new PhaseClock('dns')
    const deadline = new Deadline(timeoutMs, signal ?? defaults.signal)
    return runProbe('http', target, clock, deadline, async (details) => {
      // Plain HTTP writes its request in one piece: Nagle cannot delay it. TLS's handshake flights can be.
      const socket = await resolveAndConnect(host, port, deadline, clock, details, https)
      let stream: Socket = socket
      const destroy = (): void => {
        stream.destroy()
        socket.destroy()
      }
      try {
        if (https) {
          clock.lap('tls')
          const tlsSocket = await tlsHandshake(socket, tls, deadline)
          stream = tlsSocket
          Object.assign(details, tlsDetails(tlsSocket))
        }
        clock.lap('ttfb')
        const exchange = exchangeHttp1(stream, request, bodyless, (head) => {
          clock.lap('transfer')
          details.status = head.status
          details.httpVersion = head.httpVersion
        })
        details.bodyBytes = await deadline.guard(exchange, () => clock.current, destroy)
        clock.stop()
        return statusFailure(details.status ?? 0, options?.expectStatus)
      } finally {
        destroy()
      }
    })
  }
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

/** Methods that carry no body by definition: no `content-length: 0` is sent for them (as `node:http`). */
const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'])

/**
 * The request's bytes, built once. Each probe measures a fresh path: whatever the caller's headers say, the
 * connection closes. `host` is the URL's (with the port unless it is the scheme's), unless the caller sets one.
 */
function requestOf(method: string, url: URL, headers: Record<string, string> = {}): Buffer {
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`]
  const given = new Set(Object.keys(headers).map((name) => name.toLowerCase()))
  if (!given.has('host')) lines.push(`Host: ${url.host}`)
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'connection') lines.push(`${name}: ${value}`)
  }
  lines.push('Connection: close')
  if (!NO_BODY_METHODS.has(method) && !given.has('content-length')) lines.push('Content-Length: 0')
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
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
