import fastifyHttpProxy from '@fastify/http-proxy'
import { classifyError } from '@tarmac/probe'
import type { FastifyInstance } from 'fastify'
import type { UpstreamErrorBody } from './errors.js'
import { FRONTEND_ERROR_CODES } from './errors.js'

/** One path prefix the browser calls on this origin and where it really goes. */
export interface ProxyRoute {
  /** The browser's path prefix, e.g. `/api` or `/status/backend/health`. */
  prefix: string
  /** The service's origin, e.g. `http://127.0.0.1:8000`. */
  upstream: string
  /** The path prefix on the service, e.g. `/api` or `/health`. */
  rewritePrefix: string
  /** Named in error bodies and logs: `backend`, `auth`. */
  service: string
}

/** The deepest error in a `cause` chain that carries a system code (ECONNREFUSED…), else the last one. */
function rootCause(error: unknown): unknown {
  let current = error
  for (let depth = 0; depth < 5; depth++) {
    const cause = (current as { cause?: unknown } | null)?.cause
    if (cause === undefined || cause === null) break
    current = cause
  }
  return current
}

/** The answer when the service never answered: 503 (or 504 on a timeout) naming the service and the class. */
export function upstreamErrorBody(
  service: string,
  error: unknown,
): { statusCode: number; body: UpstreamErrorBody } {
  const failure = classifyError(rootCause(error), 'ttfb')
  const timedOut = (error as { statusCode?: unknown }).statusCode === 504 || failure.class.endsWith('TIMEOUT')
  const code = timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE'
  return {
    statusCode: FRONTEND_ERROR_CODES[code].statusCode,
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
    await app.register(fastifyHttpProxy, {
      upstream: route.upstream,
      prefix: route.prefix,
      rewritePrefix: route.rewritePrefix,
      websocket: false,
      replyOptions: {
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
