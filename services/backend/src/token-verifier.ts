import { createRemoteJWKSet, jwksCache, jwtVerify, type JSONWebKeySet } from 'jose'
import type { Component } from '@tarmac/startup'
import { BackendError, networkReasonOf } from './errors.js'

/** Who a valid access token says the caller is. */
export interface Identity {
  readonly userId: string
  readonly email?: string
  readonly name?: string
}

export interface TokenVerifier {
  /** Resolves the identity, or throws `BackendError('AUTH_FAILED')` (expired, bad signature, wrong audience…). */
  verify(token: string): Promise<Identity>
  readonly jwksUrl: string
}

/** Claims the auth service puts in every access token. */
export const TOKEN_ISSUER = 'tarmac-auth'
export const TOKEN_AUDIENCE = 'tarmac'

/** Fetches the JWKS once, failing with the precise reason (refused, 404, not a key set). */
export async function fetchJwks(jwksUrl: string, signal: AbortSignal): Promise<JSONWebKeySet> {
  let response: Response
  try {
    response = await fetch(jwksUrl, { signal, headers: { accept: 'application/json' } })
  } catch (error) {
    throw new BackendError(
      'BACKEND_ERR_JWKS_UNAVAILABLE',
      `auth JWKS at ${jwksUrl} unreachable: ${networkReasonOf(error)}`,
      { cause: error, dependencyUnavailable: true },
    )
  }
  if (!response.ok) {
    await response.body?.cancel()
    throw new BackendError(
      'BACKEND_ERR_JWKS_UNAVAILABLE',
      `auth JWKS at ${jwksUrl} answered HTTP ${response.status}`,
      { dependencyUnavailable: true },
    )
  }
  const body = (await response.json().catch(() => null)) as { keys?: unknown } | null
  if (!body || !Array.isArray(body.keys) || body.keys.length === 0) {
    throw new BackendError('BACKEND_ERR_JWKS_UNAVAILABLE', `auth JWKS at ${jwksUrl} holds no keys`)
  }
  return body as JSONWebKeySet
}

/**
 * Verifies EdDSA access tokens against the auth service's JWKS. The set fetched at startup seeds jose's
 * remote set, which refetches on an unknown `kid` (with a cooldown), so key rotation needs no restart.
 */
export function createTokenVerifier(jwksUrl: string, jwks: JSONWebKeySet, cooldownMs: number): TokenVerifier {
  const keySet = createRemoteJWKSet(new URL(jwksUrl), {
    timeoutDuration: 5_000,
    cooldownDuration: cooldownMs,
    [jwksCache]: { jwks, uat: Date.now() },
  })
  return {
    jwksUrl,
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keySet, {
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          algorithms: ['EdDSA'],
        })
        if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('token has no subject')
        return {
          userId: payload.sub,
          ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
          ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
        }
      } catch (error) {
        throw new BackendError('AUTH_FAILED', 'invalid or expired access token', { cause: error })
      }
    },
  }
}

/** The `dependencies` component: the JWKS fetched once (critical, retried until the startup deadline). */
export function createJwksComponent(authUrl: string, cooldownMs: number): Component<TokenVerifier> {
  const jwksUrl = `${authUrl.replace(/\/+$/, '')}/.well-known/jwks.json`
  return {
    name: 'auth-jwks',
    phase: 'dependencies',
    timeoutMs: 5_000,
    retry: { baseMs: 250, capMs: 2_000 },
    async start({ signal }) {
      return createTokenVerifier(jwksUrl, await fetchJwks(jwksUrl, signal), cooldownMs)
    },
  }
}
