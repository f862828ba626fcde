/** The signed-in user and their tokens, kept in localStorage so a reload stays signed in. */
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

const KEY = 'tarmac.session'
const listeners = new Set<() => void>()
let current: Session | null = read()

function read(): Session | null {
  try {
    const raw = localStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as Session) : null
  } catch {
    return null
  }
}

export function getSession(): Session | null {
  return current
}

export function setSession(tokens: TokenResponse | null): void {
  current = tokens && {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAtMs: Date.now() + tokens.expiresIn * 1000,
    user: tokens.user,
  }
  if (current) localStorage.setItem(KEY, JSON.stringify(current))
  else localStorage.removeItem(KEY)
  for (const listener of listeners) listener()
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}
