/**
 * The signed-in user and their tokens, kept in localStorage so a reload stays signed in — and shared by every tab
 * of this origin: a tab that rotates the tokens (or signs out) writes them there, and the others take them from
 * the `storage` event, so no tab ever presents a refresh token another one has already spent (which would end
 * the whole login).
 */
export interface Session {
  accessToken: string
  refreshToken: string
  /** When the access token expires (ms since epoch); refreshed a little before. */
  expiresAtMs: number
  user: { id: string; email: string; displayName: string }
}

/** What signup, login and refresh answer. */
export interface TokenResponse {
  accessToken: string
  refreshToken: string
  expiresIn: number
  user: Session['user']
}

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

/**
 * Takes the session from storage again (another tab may have rotated or ended it since this one last looked);
 * listeners hear of it only when it changed.
 */
export function reloadSession(): Session | null {
  const raw = readStored()
  if (raw === stored) return current
  stored = raw
  try {
    current = raw ? (JSON.parse(raw) as Session) : null
  } catch {
    current = null
  }
  notify()
  return current
}

export function setSession(tokens: TokenResponse | null): void {
  current = tokens && {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAtMs: Date.now() + tokens.expiresIn * 1000,
    user: tokens.user,
  }
  stored = current && JSON.stringify(current)
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
