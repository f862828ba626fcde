import { healthPath, type HealthEndpoint, type ServiceConfig } from '../config/config-schema.js'
import { CliError } from '../errors.js'
import type { CheckContext } from './sample.js'

/** The service a check names, or a usage error listing the ones the config has. */
export function serviceOf(name: string, context: CheckContext): ServiceConfig {
  const service = context.config.services[name]
  if (service === undefined) {
    const known = Object.keys(context.config.services).join(', ') || '(none)'
    throw new CliError('CLI_ERR_SERVICE_NOT_FOUND', `no service "${name}" in the config; known: ${known}`)
  }
  return service
}

/** The URL of a check: its own `url`, else the service's URL with `path` (or a health endpoint's path). */
export function urlOf(
  check: { service?: string | undefined; url?: string | undefined; path?: string | undefined },
  context: CheckContext,
  endpoint?: HealthEndpoint,
): string {
  if (check.url !== undefined) return check.path ? new URL(check.path, check.url).toString() : check.url
  if (check.service === undefined)
    throw new CliError('CLI_ERR_CRITERIA_INVALID', 'a check needs a service or a url')
  const service = serviceOf(check.service, context)
  const path = check.path ?? (endpoint ? healthPath(service, endpoint) : '/')
  return new URL(path, service.url).toString()
}

/** The health token of a service, from the environment variable its config names. */
export function tokenOf(serviceName: string | undefined, context: CheckContext): string | undefined {
  if (serviceName === undefined) return undefined
  const variable = context.config.services[serviceName]?.tokenEnv
  return variable === undefined ? undefined : context.env[variable] || undefined
}
