import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import type { Accounts } from './accounts.js'
import { AuthError } from './errors.js'
import type { RateLimitGroup } from './rate-limits.js'
import { clearRefreshCookie, refreshTokenFromCookie, sessionReply, wantsCookie } from './refresh-cookie.js'
import type { SigningKeys } from './signing-keys.js'

/** Every route of the service, for the README test and clients. */
export const AUTH_ROUTES = [
  'POST /auth/signup',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/logout',
  'GET /auth/me',
  'GET /.well-known/jwks.json',
] as const

/** Filled in by the `keys` phase; routes answer 503 until then (the readiness gate keeps clients out anyway). */
export interface AuthRuntime {
  accounts?: Accounts
  keys?: SigningKeys
}

const text = (maxLength: number) => ({ type: 'string', maxLength }) as const
const body = (properties: Record<string, unknown>) => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
})
const credentials = { email: text(320), password: text(1024) }
/** `refreshToken` in the body, or — with `x-tarmac-session: cookie` — in the cookie and `{}` here. */
const refreshBody = { type: 'object', properties: { refreshToken: text(256) } } as const

function notReady(): never {
  throw new AuthError('AUTH_ERR_KEYS_UNAVAILABLE', 'signing keys are not loaded yet; retry shortly')
}

function bearerOf(request: FastifyRequest): string {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(request.headers.authorization ?? '')
  if (!match?.[1]) throw new AuthError('INVALID_TOKEN', 'send Authorization: Bearer <access token>')
  return match[1]
}

/** Registers the account routes and the JWKS. `limit(group)` is the rate-limit preHandler of a route group. */
export function registerAuthRoutes(
  app: FastifyInstance,
  runtime: AuthRuntime,
  limit: (group: RateLimitGroup) => preHandlerAsyncHookHandler,
  cookie: { readonly maxAgeS: number },
): void {
  const accounts = () => runtime.accounts ?? notReady()
  /** The token to rotate or revoke: the body's, else the cookie's when the client asked for the cookie. */
  const refreshTokenOf = (request: FastifyRequest<{ Body: { refreshToken?: string } }>) => {
    const token =
      request.body.refreshToken ?? (wantsCookie(request) ? refreshTokenFromCookie(request) : undefined)
    if (!token)
      throw new AuthError('INVALID_TOKEN', 'send the refresh token (in the body, or the session cookie)')
    return token
  }
  /** A refused refresh token is dropped from the browser too, so it does not come back on every reload. */
  const dropCookieOnRefusal = async <T>(
    request: FastifyRequest,
    reply: FastifyReply,
    work: () => Promise<T>,
  ) => {
    try {
      return await work()
    } catch (error) {
      if (wantsCookie(request) && error instanceof AuthError) clearRefreshCookie(request, reply)
      throw error
    }
  }

  app.post<{ Body: { email: string; password: string; displayName: string } }>(
    '/auth/signup',
    { schema: { body: body({ ...credentials, displayName: text(256) }) }, preHandler: limit('signup') },
    async (request, reply) =>
      reply
        .status(201)
        .send(sessionReply(request, reply, await accounts().signup(request.body), cookie.maxAgeS)),
  )
  app.post<{ Body: { email: string; password: string } }>(
    '/auth/login',
    { schema: { body: body(credentials) }, preHandler: limit('login') },
    async (request, reply) =>
      sessionReply(request, reply, await accounts().login(request.body), cookie.maxAgeS),
  )
  app.post<{ Body: { refreshToken?: string } }>(
    '/auth/refresh',
    { schema: { body: refreshBody }, preHandler: limit('refresh') },
    async (request, reply) =>
      dropCookieOnRefusal(request, reply, async () =>
        sessionReply(request, reply, await accounts().refresh(refreshTokenOf(request)), cookie.maxAgeS),
      ),
  )
  app.post<{ Body: { refreshToken?: string } }>(
    '/auth/logout',
    { schema: { body: refreshBody }, preHandler: limit('logout') },
    async (request, reply) => {
      // Signed out in this browser whatever auth says of the token.
      if (wantsCookie(request)) clearRefreshCookie(request, reply)
      await accounts().logout(refreshTokenOf(request))
      return reply.status(204).send()
    },
  )
  app.get('/auth/me', async (request, reply) => {
    try {
      return await accounts().me(bearerOf(request))
    } catch (error) {
      if (error instanceof AuthError && error.code === 'INVALID_TOKEN') {
        void reply.header('www-authenticate', 'Bearer error="invalid_token"')
      }
      throw error
    }
  })
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    const keys = runtime.keys ?? notReady()
    // Short enough that a rotation reaches verifiers soon; jose refetches on an unknown kid anyway.
    return reply.header('cache-control', 'public, max-age=60').send(keys.jwks())
  })
}
