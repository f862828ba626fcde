import fastifyHttpProxy from '@fastify/http-proxy'
import { causeChain } from '@tarmac/startup'
import { classifyError } from '@tarmac/probe'
import type { FastifyInstance } from 'fastify'
import { BalancedPool } from 'undici'
import type { UpstreamErrorBody } from './errors.js'
import { FRONTEND_FAULTS } from './errors.js'

/** One path prefix the browser calls on this origin and where it really goes. */
export interface ProxyRoute {
  /** The browser's path prefix, e.g. `/api` or `/status/backend/health`. */
  prefix: string
  /** The service's origins, e.g. `['http://127.0.0.1:8000']`; several are balanced by undici's BalancedPool. */
  upstreams: readonly string[]
  /** The path prefix on the service, e.g. `/api` or `/health`. */
  rewritePrefix: string
  /** Named in error bodies and logs: `backend`, `auth`. */
  service: string
}

/** undici's own codes, as the system error they stand for, so `@tarmac/probe` classifies them. */
const UNDICI_CODES: Readonly<Record<string, string>> = {
  UND_ERR_SOCKET: 'ECONNRESET', // "other side closed": the peer closed or reset the connection
  UND_ERR_CLOSED: 'ECONNRESET',
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_HEADERS_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_BODY_TIMEOUT: 'ETIMEDOUT',
}

/**
 * The most telling error of a `cause` chain (fetch and reply-from wrap the socket error once or twice): the first
 * with a system code (`ECONNREFUSED`…), else an undici code mapped to one, else the innermost.
 */
export function networkCauseOf(error: unknown): unknown {
  const chain = causeChain(error, 6)
  const codeOf = (e: unknown) => (e as { code?: unknown }).code
  const system = chain.find((e) => typeof codeOf(e) === 'string' && /^E[A-Z]+$/.test(codeOf(e) as string))
  if (system !== undefined) return system
  const undici = chain.find((e) => typeof codeOf(e) === 'string' && UNDICI_CODES[codeOf(e) as string])
  if (undici !== undefined) {
    const code = UNDICI_CODES[codeOf(undici) as string]!
    return Object.assign(new Error((undici as Error).message), { code })
  }
  return chain.at(-1)
}

/** The answer when the service never answered: 503 (or 504 on a timeout) naming the service and the class. */
export function upstreamErrorBody(
  service: string,
  error: unknown,
): { statusCode: number; body: UpstreamErrorBody } {
  const failure = classifyError(networkCauseOf(error), 'ttfb')
  const timedOut = (error as { statusCode?: unknown }).statusCode === 504 || failure.class.endsWith('TIMEOUT')
  const code = timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE'
  return {
    statusCode: FRONTEND_FAULTS.specs[code].status,
    body: {
      code,
      message: timedOut ? `${service} did not answer in time` : `${service} is unavailable`,
      service,
      errorClass: failure.class,
    },
  }
}

/** Proxies each route's HTTP requests, adding `x-forwarded-*` and answering for the service when it is down. */
export async function registerProxies(app: FastifyInstance, routes: readonly ProxyRoute[]): Promise<void> {
  for (const route of routes) {
    const [first, ...others] = route.upstreams
    await app.register(fastifyHttpProxy, {
      upstream: first!,
      // Several origins: reply-from sends through this BalancedPool (weighted round robin, penalising an origin
      // that fails to connect) and destroys it when the app closes.
      ...(others.length > 0 && { undici: new BalancedPool([...route.upstreams]) }),
      prefix: route.prefix,
      rewritePrefix: route.rewritePrefix,
      websocket: false,
      replyOptions: {
        // x-forwarded-for is the client address this server concluded (request.ip, under TRUST_PROXY), replacing
        // whatever the client claimed: auth and backend trust this hop, and their rate limits key on it.
        rewriteRequestHeaders: (request, headers) => ({
          ...headers,
          'x-forwarded-for': request.ip,
          'x-forwarded-proto': request.protocol,
          'x-forwarded-host': request.headers.host ?? '',
        }),
        onError: (reply, { error }) => {
          const { statusCode, body } = upstreamErrorBody(route.service, error)
          void reply
            .code(statusCode)
            .header('retry-after', '5')
            .header('cache-control', 'no-store')
            .send(body)
        },
      },
    })
  }
}
