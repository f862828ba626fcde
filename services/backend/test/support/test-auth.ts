import { createServer, type Server } from 'node:http'
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose'

/**
 * A stand-in for the auth service in tests: an Ed25519 key pair, its JWKS served on a real local HTTP
 * server at `/.well-known/jwks.json`, and tokens minted with the claims the real service uses.
 */
export interface TestAuth {
  readonly url: string
  /** An access token for `userId` (a fresh uuid by default). */
  mint(options?: {
    userId?: string
    expiresIn?: string
    audience?: string
    key?: 'current' | 'foreign'
  }): Promise<string>
  /** Rotates to a new signing key with a new `kid`; the JWKS then lists only the new key. */
  rotate(): Promise<void>
  /** Requests served so far for the JWKS. */
  readonly jwksRequests: number
  /** `false`: the auth service is down — every request's connection is reset. */
  setAvailable(available: boolean): void
  close(): Promise<void>
}

async function keyPair(): Promise<{ privateKey: CryptoKey; jwk: Record<string, unknown>; kid: string }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const kid = randomUUID()
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }, kid }
}

export async function startTestAuth(): Promise<TestAuth> {
  let current = await keyPair()
  const foreign = await keyPair() // signs tokens the JWKS does not vouch for
  let jwksRequests = 0
  let available = true
  const server: Server = createServer((request, response) => {
    if (!available) {
      request.socket.destroy()
      return
    }
    if (request.url === '/.well-known/jwks.json') {
      jwksRequests++
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ keys: [current.jwk] }))
      return
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    get jwksRequests() {
      return jwksRequests
    },
    setAvailable(value) {
      available = value
      if (!value) server.closeIdleConnections()
    },
    async rotate() {
      current = await keyPair()
    },
    async mint(options = {}) {
      const key = options.key === 'foreign' ? foreign : current
      const userId = options.userId ?? randomUUID()
      return new SignJWT({ email: `${userId.slice(0, 8)}@example.test`, name: 'Test User' })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
        .setSubject(userId)
        .setIssuer('tarmac-auth')
        .setAudience(options.audience ?? 'tarmac')
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '15m')
        .sign(key.privateKey)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
