import type { TokenResponse } from './session.js'
import { getSession, needsAccessToken, reloadSession, setSession } from './session.js'

/** A failed API call: the service's `{ code, message }`, or `NETWORK` when no answer came back. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For 503 from the frontend server: which service, and `@tarmac/probe`'s network class. */
    readonly service?: string,
    readonly errorClass?: string,
  ) {
    super(message)
  }

  /** The service is down or starting, as opposed to a request the user can fix. */
  get unavailable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504
  }
}

async function parse<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>
  if (response.ok) return body as T
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined)
  throw new ApiError(
    response.status,
    str(body.code) ?? `HTTP_${response.status}`,
    str(body.message) ?? response.statusText,
    str(body.service),
    str(body.errorClass),
  )
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init)
  } catch {
    throw new ApiError(0, 'NETWORK', 'the server could not be reached')
  }
}

let refreshing: Promise<boolean> | null = null

/** Runs `work` in one tab at a time (Web Locks, where the browser has them; elsewhere just runs it). */
function oneTabAtATime<T>(name: string, work: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  return locks ? locks.request(name, work) : work()
}

/**
 * Trades the refresh cookie for a new access token (auth rotates the cookie), once at a time in this tab and
 * across tabs: the tabs share the one cookie, so one that waited for another's refresh sends the cookie that
 * refresh set, never a spent one. False, and signed out, if auth refuses; false, still signed in, if auth
 * cannot be reached.
 */
export function refreshSession(): Promise<boolean> {
  if (!getSession()) return Promise.resolve(false)
  refreshing ??= oneTabAtATime('tarmac.session.refresh', async () => {
    if (!reloadSession()) return false // another tab signed out meanwhile
    try {
      setSession(await authRequest<TokenResponse>('/auth/refresh', {}))
      return true
    } catch (error) {
      if (error instanceof ApiError && !error.unavailable) setSession(null)
      return false
    }
  }).finally(() => {
    refreshing = null
  })
  return refreshing
}

/**
 * Logs out for real: auth revokes this login's refresh tokens and clears the cookie, then every tab forgets the
 * session. Signed out locally even when auth cannot be reached.
 */
export async function logout(): Promise<void> {
  try {
    await authRequest('/auth/logout', {})
  } catch {
    // Already revoked, or auth is away: nothing more this tab can do than forget the session.
  }
  setSession(null)
}

/**
 * POSTs JSON to the auth service (through this origin, so its cookie is first-party). `x-tarmac-session: cookie`
 * asks auth to keep the refresh token in its HttpOnly cookie, out of every body this code could read.
 */
export async function authRequest<T>(path: string, body: unknown): Promise<T> {
  const response = await send(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-tarmac-session': 'cookie' },
    body: JSON.stringify(body),
  })
  return parse<T>(response)
}

/** Calls the backend with the access token, refreshing it once on 401. */
export async function apiRequest<T>(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  if (needsAccessToken(getSession())) await refreshSession()
  const call = () => {
    const headers: Record<string, string> = {}
    const token = getSession()?.accessToken
    if (token) headers.authorization = `Bearer ${token}`
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    return send(path, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    })
  }
  let response = await call()
  if (response.status === 401 && (await refreshSession())) response = await call()
  return parse<T>(response)
}
