import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Session } from './accounts.js'

/**
 * The browser's refresh token lives in this cookie: `HttpOnly` (no script in the page can read it), `SameSite=Strict`
 * (no other site's page can make the browser send it), `Secure` over HTTPS, and `Path=/auth`, so it goes to
 * auth's routes only — refresh and logout read it — never to `/api`, `/ws` or the static files.
 */
export const REFRESH_COOKIE = 'tarmac_refresh'
export const REFRESH_COOKIE_PATH = '/auth'

/**
 * A client asks for the cookie with this header (`x-tarmac-session: cookie`) on signup, login, refresh and
 * logout. Then the refresh token is never in a response body, so a script that runs in the page cannot carry it
 * off. It is a custom header on purpose: another origin cannot send it without a CORS preflight, which auth never
 * grants for it — a second lock beside `SameSite=Strict` against cross-site requests.
 */
export const SESSION_MODE_HEADER = 'x-tarmac-session'

export const wantsCookie = (request: FastifyRequest) => request.headers[SESSION_MODE_HEADER] === 'cookie'

/** The refresh token the cookie carries, if any. */
export function refreshTokenFromCookie(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === REFRESH_COOKIE)
      return part.slice(eq + 1).trim() || undefined
  }
  return undefined
}

function setCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeS: number): void {
  const attributes = [`Path=${REFRESH_COOKIE_PATH}`, `Max-Age=${maxAgeS}`, 'HttpOnly', 'SameSite=Strict']
  // request.protocol is https behind a trusted proxy that says so (x-forwarded-proto), or on a TLS socket.
  if (request.protocol === 'https') attributes.push('Secure')
  void reply.header('set-cookie', [`${REFRESH_COOKIE}=${value}`, ...attributes].join('; '))
}

/**
 * Answers a session in the mode the client asked for: as is, or with its refresh token moved from the body into
 * the cookie (`maxAgeS`: the token's lifetime).
 */
export function sessionReply(
  request: FastifyRequest,
  reply: FastifyReply,
  session: Session,
  maxAgeS: number,
): Session | Omit<Session, 'refreshToken'> {
  if (!wantsCookie(request)) return session
  const { refreshToken, ...rest } = session
  setCookie(request, reply, refreshToken, maxAgeS)
  void reply.header('cache-control', 'no-store')
  return rest
}

/** Tells the browser to drop the cookie (logout, or a refresh token auth refused). */
export function clearRefreshCookie(request: FastifyRequest, reply: FastifyReply): void {
  setCookie(request, reply, '', 0)
}
