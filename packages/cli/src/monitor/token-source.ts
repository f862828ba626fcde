import { randomBytes } from 'node:crypto'
import { NO_ANSWER, type Judgement } from '../faults.js'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import { judgeAnswer } from '../validate/chat-round-trip.js'

/** An access token and when to stop using it (a margin before it expires). */
interface Held {
  readonly token: string
  readonly renewAtMs: number
}

/** Why no token could be had: the class and message a check shows, and whose move it is. */
export interface TokenFailure {
  readonly errorClass: string
  readonly code?: string
  readonly message: string
  readonly judgement: Judgement
}

/** Renew this long before the token's `exp`: a check never opens a socket with a token about to lapse. */
const RENEW_MARGIN_MS = 30_000

/**
 * The monitor's access token for a WebSocket check: it signs up one throwaway user at the auth service the
 * first time, keeps the token for its lifetime (`expiresIn`, else the JWT's `exp`), and logs that same user in
 * again when it is about to expire — so a check every 5 s authenticates once per token lifetime, not per check,
 * and the monitor creates one user per run. `invalidate()` (the backend closed with 4401) forces a new login.
 */
export class TokenSource {
  readonly #authUrl: string
  readonly #now: () => number
  #held: Held | undefined
  #credentials: { email: string; password: string } | undefined
  #pending: Promise<Held | TokenFailure> | undefined
  /** Sign-ups and logins done so far (what "once per token lifetime" is measured by). */
  authentications = 0

  constructor(authUrl: string, now: () => number = Date.now) {
    this.#authUrl = authUrl
    this.#now = now
  }

  /** A token valid for at least the renewal margin, or why there is none. Concurrent callers share one login. */
  async token(timeoutMs: number): Promise<string | TokenFailure> {
    if (this.#held && this.#now() < this.#held.renewAtMs) return this.#held.token
    this.#pending ??= this.#authenticate(timeoutMs).finally(() => (this.#pending = undefined))
    const outcome = await this.#pending
    if ('errorClass' in outcome) return outcome
    this.#held = outcome
    return outcome.token
  }

  invalidate(): void {
    this.#held = undefined
  }

  async #authenticate(timeoutMs: number): Promise<Held | TokenFailure> {
    const signup = this.#credentials === undefined
    if (signup) {
      const suffix = randomBytes(6).toString('hex')
      this.#credentials = {
        email: `monitor-${suffix}@tarmac.invalid`,
        password: randomBytes(18).toString('base64url'),
      }
    }
    const path = signup ? '/auth/signup' : '/auth/login'
    this.authentications++
    const answer = await fetchHealth(new URL(path, this.#authUrl).toString(), {
      timeoutMs,
      method: 'POST',
      json: signup ? { ...this.#credentials, displayName: 'tarmac monitor' } : this.#credentials,
    })
    if (isFetchFailure(answer))
      return {
        errorClass: answer.failure.class,
        message: `${path}: ${answer.failure.message}`,
        judgement: NO_ANSWER,
      }
    const body = (answer.body ?? {}) as { accessToken?: unknown; expiresIn?: unknown; code?: unknown }
    if (answer.status >= 300 || typeof body.accessToken !== 'string') {
      // A login the auth service no longer accepts (its users were reset): sign up afresh next time.
      if (!signup && answer.status === 401) this.#credentials = undefined
      const code = typeof body.code === 'string' ? body.code : undefined
      return {
        errorClass: 'CLI_ERR_TOKEN_UNAVAILABLE',
        ...(code !== undefined && { code }),
        message: `${path} answered HTTP ${answer.status}${code ? ` ${code}` : ''}`,
        judgement: judgeAnswer(answer.status, answer.body),
      }
    }
    return { token: body.accessToken, renewAtMs: this.#expiryOf(body.accessToken, body.expiresIn) }
  }

  #expiryOf(token: string, expiresIn: unknown): number {
    const issuedMs = this.#now()
    let lifetimeMs = typeof expiresIn === 'number' ? expiresIn * 1000 : undefined
    if (lifetimeMs === undefined) {
      try {
        const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
          exp?: unknown
        }
        if (typeof payload.exp === 'number') lifetimeMs = payload.exp * 1000 - issuedMs
      } catch {
        // Not a JWT we can read: renew every minute rather than trust it forever.
      }
    }
    lifetimeMs ??= 60_000
    return issuedMs + Math.max(lifetimeMs - RENEW_MARGIN_MS, lifetimeMs / 2)
  }
}
