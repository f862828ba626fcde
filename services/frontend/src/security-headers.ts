import type { FastifyInstance } from 'fastify'

/** Host header values safe to echo into the content security policy (name or IP, optional port). */
const SAFE_HOST = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i

/**
 * The content security policy the app is built to pass: scripts and styles only from this origin (Vite emits no
 * inline script), XHR/fetch and the chat WebSocket only to this origin, no framing, no plugins.
 */
export function contentSecurityPolicy(host: string | undefined, secure: boolean): string {
  const sockets = host && SAFE_HOST.test(host) ? ` ${secure ? 'wss' : 'ws'}://${host}` : ''
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Adds the security headers to every response the frontend sends, proxied ones included. */
export function installSecurityHeaders(app: FastifyInstance, options: { hsts: boolean }): void {
  app.addHook('onSend', async (request, reply) => {
    const secure = request.protocol === 'https'
    reply.header('content-security-policy', contentSecurityPolicy(request.headers.host, secure))
    reply.header('x-content-type-options', 'nosniff')
    reply.header('x-frame-options', 'DENY')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('cross-origin-opener-policy', 'same-origin')
    reply.header('cross-origin-resource-policy', 'same-origin')
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()')
    if (options.hsts) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains')
  })
}
