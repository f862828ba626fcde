import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { CliError } from '../errors.js'
import { CLI_DEFAULTS, LOCAL_STACK } from '../options.js'
import { configSchema, type TarmacConfig } from './config-schema.js'
import { parseYaml } from './yaml-source.js'

/** Where a config came from: a file, or the built-in local stack. */
export interface LoadedConfig {
  readonly config: TarmacConfig
  readonly source: string
}

/** The config `tarmac` uses without a file: the local stack on the contract ports. */
export function localStackConfig(env: NodeJS.ProcessEnv = process.env): TarmacConfig {
  const dependencies: Record<string, unknown> = {}
  if (env.DATABASE_URL) dependencies.postgres = { type: 'postgres', url: env.DATABASE_URL }
  return configSchema.parse({
    services: {
      backend: { url: LOCAL_STACK.backend, tokenEnv: 'HEALTH_TOKEN', authService: 'auth' },
      auth: { url: LOCAL_STACK.auth, tokenEnv: 'HEALTH_TOKEN' },
      frontend: { url: LOCAL_STACK.frontend, tokenEnv: 'HEALTH_TOKEN' },
    },
    dependencies,
  })
}

/** Parses and validates config text; errors point at the line (`CLI_ERR_CONFIG_INVALID`). */
export function parseConfig(
  text: string,
  file = 'tarmac.yaml',
  env: NodeJS.ProcessEnv = process.env,
): TarmacConfig {
  return Object.freeze(parseYaml(text, file, configSchema, 'CLI_ERR_CONFIG_INVALID', env))
}

/**
 * Loads `--config FILE`, else `./tarmac.yaml` when it exists, else the local stack.
 * A named file that does not exist is `CLI_ERR_CONFIG_NOT_FOUND`.
 */
export function loadConfig(
  file: string | undefined,
  cwd = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): LoadedConfig {
  const path = resolve(cwd, file ?? CLI_DEFAULTS.configFile)
  if (!existsSync(path)) {
    if (file !== undefined) throw new CliError('CLI_ERR_CONFIG_NOT_FOUND', `config file not found: ${file}`)
    return { config: localStackConfig(env), source: 'local stack (no tarmac.yaml)' }
  }
  return {
    config: parseConfig(readFileSync(path, 'utf8'), file ?? CLI_DEFAULTS.configFile, env),
    source: path,
  }
}
