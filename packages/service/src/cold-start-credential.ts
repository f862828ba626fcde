import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Per-service credentials for the cold-start collector: `tsr1.<service>.<mac>`, where `mac` is
 * HMAC-SHA256(collector secret, `tarmac-startup-report:<service>`) in base64url. The collector holds the secret and
 * recomputes the mac for the service the credential names; a service holds only its own credential, so the holder
 * of backend's cannot write auth's records (the service name comes from the credential, never from the body).
 */
const PREFIX = 'tsr1'
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/

const macOf = (secret: string, service: string) =>
  createHmac('sha256', secret).update(`tarmac-startup-report:${service}`).digest('base64url')

/** `tsr1.<service>.<mac>`: what `service` sends to a collector whose secret is `secret`. */
export function deriveStartupReportCredential(secret: string, service: string): string {
  if (!SERVICE_NAME.test(service)) throw new TypeError(`not a kebab-case service name: ${service}`)
  return `${PREFIX}.${service}.${macOf(secret, service)}`
}

/** Whether a value has a credential's form (a service given one uses it as is; anything else is the secret). */
export const isStartupReportCredential = (value: string): boolean =>
  value.startsWith(`${PREFIX}.`) && value.split('.').length === 3

/**
 * The service a credential was issued to, if `secret` issued it; undefined otherwise. The comparison takes the
 * same time whatever the mac's content.
 */
export function verifyStartupReportCredential(secret: string, credential: string): string | undefined {
  const [prefix, service, mac, ...rest] = credential.split('.')
  if (prefix !== PREFIX || service === undefined || mac === undefined || rest.length > 0) return undefined
  if (!SERVICE_NAME.test(service)) return undefined
  const expected = Buffer.from(macOf(secret, service))
  const given = Buffer.from(mac)
  return given.length === expected.length && timingSafeEqual(given, expected) ? service : undefined
}
