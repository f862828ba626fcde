import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose'
import { AuthError } from './errors.js'
import { SIGNING_ALGORITHM, type SigningKeys } from './signing-keys.js'

/** Issuer and audience every Tarmac service checks (`createRemoteJWKSet` + `jwtVerify` on the backend). */
export const TOKEN_ISSUER = 'tarmac-auth'
export const TOKEN_AUDIENCE = 'tarmac'

/** Who a token is about: the claims besides the registered ones. */
export interface TokenSubject {
  readonly id: string
  readonly email: string
  readonly displayName: string
}

/** The claims of a verified access token. */
export interface AccessTokenClaims extends JWTPayload {
  sub: string
  email: string
  name: string
}

/**
 * Signs an access token with the active key (`kid` in the header).
 * @example const token = await signAccessToken(keys, user, 900)
 */
export async function signAccessToken(keys: SigningKeys, user: TokenSubject, ttlS: number): Promise<string> {
  const { kid, privateKey } = keys.current
  return new SignJWT({ email: user.email, name: user.displayName })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid, typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlS}s`)
    .sign(privateKey)
}

/** Verifies signature, `kid`, issuer, audience and expiry; anything wrong → `INVALID_TOKEN`. */
export async function verifyAccessToken(keys: SigningKeys, token: string): Promise<AccessTokenClaims> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = header.kid ? await keys.publicKeyFor(header.kid) : undefined
        if (!key) throw new joseErrors.JWKSNoMatchingKey()
        return key
      },
      { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: [SIGNING_ALGORITHM] },
    )
    if (typeof payload.sub !== 'string' || typeof payload.email !== 'string') {
      throw new AuthError('INVALID_TOKEN', 'the access token lacks its claims')
    }
    return payload as AccessTokenClaims
  } catch (error) {
    if (error instanceof AuthError) throw error
    if (!(error instanceof joseErrors.JOSEError)) throw error // e.g. the database is away while reloading keys
    const expired = error instanceof joseErrors.JWTExpired
    throw new AuthError(
      'INVALID_TOKEN',
      expired ? 'the access token has expired' : 'the access token is invalid',
      {
        cause: error,
      },
    )
  }
}
