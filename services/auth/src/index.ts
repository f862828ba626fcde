export { createAuthService, AUTH_PHASES, MIGRATIONS_DIR } from './service.js'
export type { AuthService, AuthServiceOptions } from './service.js'
export { createAuthServer, registerAuthHttp } from './app.js'
export type { AuthApp, AuthServer } from './app.js'
export { loadAuthConfig, authConfigSchema, AUTH_DEFAULTS } from './options.js'
export type { AuthConfig } from './options.js'
export { AUTH_ROUTES } from './routes.js'
export type { AuthRuntime } from './routes.js'
export type { Accounts, PublicUser, Session } from './accounts.js'
export { TOKEN_ISSUER, TOKEN_AUDIENCE, signAccessToken, verifyAccessToken } from './access-token.js'
export type { AccessTokenClaims, TokenSubject } from './access-token.js'
export { SIGNING_ALGORITHM, loadSigningKeys } from './signing-keys.js'
export { rotateSigningKey } from './rotate-keys.js'
export type { SigningKeys, SigningKeysOptions } from './signing-keys.js'
export { REFRESH_TOKEN_PREFIX } from './refresh-tokens.js'
export { PASSWORD_KDF, PASSWORD_MIN_LENGTH } from './password.js'
export { normalizeEmail, normalizeDisplayName } from './identity.js'
export {
  AuthError,
  DependencyError,
  AUTH_ERROR_CODES,
  AUTH_ERROR_STATUS,
  SHARED_ERROR_CODES_USED,
} from './errors.js'
export type { AuthErrorCode } from './errors.js'
