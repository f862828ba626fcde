import type { TokenResponse } from './session.js'
import { getSession, reloadSession, setSession } from './session.js'

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
 * Trades the refresh token for new tokens, once at a time in this tab and across tabs; false (and signed out)
 * if auth refuses. A tab that waited for another one's refresh takes its tokens instead of spending the same
 * refresh token again.
 */
export function refreshSession(): Promise<boolean> {
  const stale = getSession()
  if (!stale) return Promise.resolve(false)
  refreshing ??= oneTabAtATime('tarmac.session.refresh', async () => {
    const session = reloadSession()
    if (!session) return false
    if (session.refreshToken !== stale.refreshToken) return true // another tab refreshed meanwhile
    try {
      const tokens = await authRequest<TokenResponse>('/auth/refresh', { refreshToken: session.refreshToken })
      setSession(tokens)
      return true
    } catch (error) {
      if (error instanceof ApiError && !error.unavailable) {
        // Without Web Locks another tab may have rotated the token under this one: its session stands.
        const latest = reloadSession()
        if (latest && latest.refreshToken !== session.refreshToken) return true
        setSession(null)
      }
      return false
    }
  }).finally(() => {
    refreshing = null
  })
  return refreshing
}

/**
 * Logs out for real: auth revokes this login's refresh tokens (so a copy of them is worthless), then every tab
 * forgets the session. Signed out locally even when auth cannot be reached.
 */
export async function logout(): Promise<void> {
  const session = reloadSession()
  if (session) {
    try {
      await authRequest('/auth/logout', { refreshToken: session.refreshToken })
    } catch {
      // Already revoked, or auth is away: nothing more this tab can do than forget the tokens.
    }
  }
  setSession(null)
}

/** POSTs JSON to the auth service (through this origin). */
export async function authRequest<T>(path: string, body: unknown): Promise<T> {
  const response = await send(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return parse<T>(response)
}

/** Calls the backend with the access token, refreshing it once on 401. */
export async function apiRequest<T>(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
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
