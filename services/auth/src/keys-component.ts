import type { PostgresHandle } from '@tarmac/postgres'
import type { Logger } from '@tarmac/service'
import type { Component, ResourceHandle } from '@tarmac/startup'
import { createAccounts } from './accounts.js'
import { createAuthDatabase } from './database.js'
import { AUTH_DEFAULTS, type AuthConfig } from './options.js'
import { createPasswordHasher } from './password.js'
import { createRefreshTokenStore } from './refresh-tokens.js'
import type { AuthRuntime } from './routes.js'
import { loadSigningKeys, type SigningKeys } from './signing-keys.js'

/**
 * `keys`: the signing keys, loaded (or the first one created), and the account operations over them, put in
 * `runtime` for the routes. While up, it picks up another instance's rotation within a minute and clears spent
 * refresh-token seals.
 */
export function createSigningKeysComponent(
  config: AuthConfig,
  inputs: {
    readonly postgres: ResourceHandle<PostgresHandle>
    readonly runtime: AuthRuntime
    readonly log: Logger
  },
): Component<SigningKeys> {
  const { runtime, log } = inputs
  let keysTimer: NodeJS.Timeout | undefined
  let sealTimer: NodeJS.Timeout | undefined
  return {
    name: 'signing-keys',
    phase: 'keys',
    timeoutMs: 10_000,
    retry: { baseMs: 250, capMs: 5_000 },
    async start() {
      const db = createAuthDatabase(inputs.postgres.get().pool)
      const keys = await loadSigningKeys({ db, accessTokenTtlS: config.ACCESS_TOKEN_TTL_S })
      runtime.keys = keys
      const refreshTokens = createRefreshTokenStore(db, {
        ttlS: config.REFRESH_TOKEN_TTL_S,
        familyTtlS: config.REFRESH_FAMILY_TTL_S,
        reuseGraceMs: config.REFRESH_REUSE_GRACE_MS,
      })
      runtime.accounts = createAccounts({
        db,
        keys,
        refreshTokens,
        passwords: createPasswordHasher(),
        accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
      })
      // Another instance may rotate: pick its key up within a minute (verification reloads on an unknown kid).
      const timer = setInterval(() => {
        keys.refresh().catch((error: unknown) => log.warn({ err: error }, 'signing keys refresh failed'))
      }, AUTH_DEFAULTS.keyRefreshIntervalMs)
      timer.unref()
      keysTimer = timer
      // A sealed successor is spent once the grace window has passed: clear it, so an old token plus a database
      // backup cannot unseal the chain to the live token. Every instance sweeps; the update is idempotent.
      const sweep = () => {
        refreshTokens
          .clearSpentSeals()
          .catch((error: unknown) => log.warn({ err: error }, 'clearing spent refresh-token seals failed'))
      }
      sweep()
      sealTimer = setInterval(sweep, AUTH_DEFAULTS.sealSweepIntervalMs)
      sealTimer.unref()
      return keys
    },
    stop() {
      clearInterval(keysTimer)
      clearInterval(sealTimer)
    },
  }
}
