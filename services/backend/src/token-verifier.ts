import {
  createLocalJWKSet,
  errors as joseErrors,
  jwtVerify,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose'
import type { Component } from '@tarmac/startup'
import { BackendError, networkReasonOf } from './errors.js'
import { httpGet, type HttpGetResponse } from './http-get.js'

/** Who a valid access token says the caller is. */
export interface Identity {
  readonly userId: string
  readonly email?: string
  readonly name?: string
  /** The token's `exp`: a socket authenticated with it is closed then unless it re-authenticates. */
  readonly expiresAtMs?: number
}

export interface TokenVerifier {
  /**
   * Resolves the identity, or throws `BackendError('AUTH_FAILED')` (expired, bad signature, wrong audience…),
   * or `BACKEND_ERR_JWKS_UNAVAILABLE` (its catalog entry: 503 `DEPENDENCY_UNAVAILABLE`) when no held key fits and the JWKS cannot be
   * fetched (the token may be fine: 503, not 401).
   */
  verify(token: string): Promise<Identity>
  readonly jwksUrl: string
}

/** Claims the auth service puts in every access token. */
export const TOKEN_ISSUER = 'tarmac-auth'
export const TOKEN_AUDIENCE = 'tarmac'

/**
 * Fetches the JWKS once, failing with the precise reason (refused, 404, not a key set). Through `node:http`, not
 * `fetch`: at startup, loading Node's fetch implementation would be a cost a bare server does not pay.
 */
export async function fetchJwks(jwksUrl: string, signal: AbortSignal): Promise<JSONWebKeySet> {
  let response: HttpGetResponse
  try {
    response = await httpGet(jwksUrl, { signal, headers: { accept: 'application/json' } })
  } catch (error) {
    throw new BackendError(
      'BACKEND_ERR_JWKS_UNAVAILABLE',
      `auth JWKS at ${jwksUrl} unreachable: ${networkReasonOf(error)}`,
      { cause: error },
    )
  }
  if (response.status < 200 || response.status > 299) {
    throw new BackendError(
      'BACKEND_ERR_JWKS_UNAVAILABLE',
      `auth JWKS at ${jwksUrl} answered HTTP ${response.status}`,
    )
  }
  const body = parseJson(response.text) as { keys?: unknown } | null
  if (!body || !Array.isArray(body.keys) || body.keys.length === 0) {
    throw new BackendError('BACKEND_ERR_JWKS_UNAVAILABLE', `auth JWKS at ${jwksUrl} holds no keys`)
  }
  return body as JSONWebKeySet
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

const JWKS_FETCH_TIMEOUT_MS = 5_000

/**
 * The auth service's keys as the backend holds them. The set fetched at startup is kept until a fetch
 * succeeds: a token whose `kid` is unknown refetches it (at most every `cooldownMs`, single-flight), and a set
 * older than `maxAgeMs` is refreshed in the background. A failed fetch never drops the last good set — a down
 * auth service must not turn every valid token into a 401 — and a token no held key can judge while the
 * fetch fails is a dependency failure (`BACKEND_ERR_JWKS_UNAVAILABLE`: 503), not a bad token.
 */
class AuthKeySet {
  readonly #jwksUrl: string
  readonly #cooldownMs: number
  readonly #maxAgeMs: number
  #local: ReturnType<typeof createLocalJWKSet>
  #fetchedAtMs = Date.now()
  #attemptedAtMs = Date.now()
  #lastError: unknown
  #pending: Promise<void> | undefined

  constructor(jwksUrl: string, jwks: JSONWebKeySet, options: { cooldownMs: number; maxAgeMs: number }) {
    this.#jwksUrl = jwksUrl
    this.#local = createLocalJWKSet(jwks)
    this.#cooldownMs = options.cooldownMs
    this.#maxAgeMs = options.maxAgeMs
  }

  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    const nowMs = Date.now()
    if (nowMs - this.#fetchedAtMs > this.#maxAgeMs && nowMs - this.#attemptedAtMs >= this.#cooldownMs)
      this.#refresh().catch(() => {}) // a failure keeps the old set
    try {
      return await this.#local(header, token)
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error
      if (this.#pending || Date.now() - this.#attemptedAtMs >= this.#cooldownMs) await this.#refresh()
      else if (this.#lastError !== undefined) throw unavailable(this.#jwksUrl, this.#lastError)
      return this.#local(header, token)
    }
  }

  #refresh(): Promise<void> {
    this.#pending ??= (async () => {
      this.#attemptedAtMs = Date.now()
      try {
        this.#local = createLocalJWKSet(
          await fetchJwks(this.#jwksUrl, AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS)),
        )
        this.#fetchedAtMs = Date.now()
        this.#lastError = undefined
      } catch (error) {
        this.#lastError = error
        throw unavailable(this.#jwksUrl, error)
      } finally {
        this.#pending = undefined
      }
    })()
    return this.#pending
  }
}

const unavailable = (jwksUrl: string, cause: unknown): BackendError =>
  isJwksUnavailable(cause)
    ? cause
    : new BackendError('BACKEND_ERR_JWKS_UNAVAILABLE', `auth JWKS at ${jwksUrl} could not be fetched`, {
        cause,
      })

const isJwksUnavailable = (error: unknown): error is BackendError =>
  error instanceof BackendError && error.code === 'BACKEND_ERR_JWKS_UNAVAILABLE'

/**
 * Verifies EdDSA access tokens against the auth service's JWKS (see `AuthKeySet`: key rotation needs no
 * restart, and an auth outage costs nothing while the held keys answer).
 */
export function createTokenVerifier(
  jwksUrl: string,
  jwks: JSONWebKeySet,
  options: { cooldownMs: number; maxAgeMs: number },
): TokenVerifier {
  const keySet = new AuthKeySet(jwksUrl, jwks, options)
  return {
    jwksUrl,
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keySet.getKey, {
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          algorithms: ['EdDSA'],
        })
        if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('token has no subject')
        return {
          userId: payload.sub,
          ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
          ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
          ...(typeof payload.exp === 'number' ? { expiresAtMs: payload.exp * 1000 } : {}),
        }
      } catch (error) {
        if (isJwksUnavailable(error)) throw error
        throw new BackendError('AUTH_FAILED', 'invalid or expired access token', { cause: error })
      }
    },
  }
}

/** The `dependencies` component: the JWKS fetched once (critical, retried until the startup deadline). */
export function createJwksComponent(
  authUrl: string,
  options: { cooldownMs: number; maxAgeMs: number },
): Component<TokenVerifier> {
  const jwksUrl = `${authUrl.replace(/\/+$/, '')}/.well-known/jwks.json`
  return {
    name: 'auth-jwks',
    phase: 'dependencies',
    timeoutMs: 5_000,
    retry: { baseMs: 250, capMs: 2_000 },
    async start({ signal }) {
      return createTokenVerifier(jwksUrl, await fetchJwks(jwksUrl, signal), options)
    },
  }
}
