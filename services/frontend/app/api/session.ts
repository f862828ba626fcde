/**
 * The signed-in user and the access token. The access token lives in this tab's memory only; the refresh token
 * never reaches JavaScript at all — auth keeps it in an HttpOnly, SameSite=Strict cookie on `/auth`
 * (docs/security.md). localStorage holds just who is signed in (no secret), so a reload knows to trade the cookie
 * for an access token, and every tab of this origin hears, through the `storage` event, when another one signs in
 * or out.
 */
export interface Session {
  /** Empty until this tab has traded the cookie for one (after a reload, or when another tab signed in). */
  accessToken: string
  /** When the access token expires (ms since epoch); refreshed a little before. */
  expiresAtMs: number
  user: { id: string; email: string; displayName: string }
}

/** What signup, login and refresh answer in the cookie mode: no refresh token. */
export interface TokenResponse {
  accessToken: string
  expiresIn: number
  user: Session['user']
}

/** localStorage: `{ user }` while signed in. */
export const SESSION_STORAGE_KEY = 'tarmac.session'
const listeners = new Set<() => void>()
let stored: string | null = null
let current: Session | null = null
reloadSession()

function readStored(): string | null {
  try {
    return localStorage.getItem(SESSION_STORAGE_KEY)
  } catch {
    return null
  }
}

function notify(): void {
  for (const listener of listeners) listener()
}

export function getSession(): Session | null {
  return current
}

/** Whether this tab still has to trade the cookie for an access token before it can call anything. */
export function needsAccessToken(session: Session | null): boolean {
  return session !== null && session.accessToken === ''
}

/**
 * Takes who is signed in from storage again (another tab may have signed in or out since this one last looked);
 * listeners hear of it only when it changed. The same user keeps this tab's access token.
 */
export function reloadSession(): Session | null {
  const raw = readStored()
  if (raw === stored) return current
  stored = raw
  let user: Session['user'] | undefined
  try {
    user = raw ? (JSON.parse(raw) as { user?: Session['user'] }).user : undefined
  } catch {
    user = undefined
  }
  current = !user
    ? null
    : current?.user.id === user.id
      ? { ...current, user }
      : { accessToken: '', expiresAtMs: 0, user }
  notify()
  return current
}

export function setSession(tokens: TokenResponse | null): void {
  current = tokens && {
    accessToken: tokens.accessToken,
    expiresAtMs: Date.now() + tokens.expiresIn * 1000,
    user: tokens.user,
  }
  stored = current && JSON.stringify({ user: current.user })
  try {
    if (stored) localStorage.setItem(SESSION_STORAGE_KEY, stored)
    else localStorage.removeItem(SESSION_STORAGE_KEY)
  } catch {
    // Storage refused (private mode, quota): this tab keeps the session in memory.
  }
  notify()
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

// Fired in every other tab of this origin when one writes the session (`key` null: storage was cleared).
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === SESSION_STORAGE_KEY || event.key === null) reloadSession()
  })
}
