import { loadAuthConfig } from './options.js'
import { rotateSigningKey } from './rotate-keys.js'

// `npm run rotate-keys -w services/auth` with DATABASE_URL set: prints `{ retiredKid, activeKid }`.
try {
  const config = loadAuthConfig()
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required to rotate keys')
  process.stdout.write(
    `${JSON.stringify(await rotateSigningKey(config.DATABASE_URL, config.ACCESS_TOKEN_TTL_S))}\n`,
  )
} catch (error) {
  process.stderr.write(`auth rotate-keys: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}
