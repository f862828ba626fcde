import { z } from 'zod'
import { fleetSchema } from '../deploy/fleet-schema.js'
import { renderSchema } from '../deploy/render-schema.js'
import { CLI_DEFAULTS } from '../options.js'
import { alertsSchema, maintenanceWindowSchema } from './alert-schema.js'

/** The health endpoints Tarmac services serve (packages/health). */
export const HEALTH_ENDPOINTS = ['live', 'ready', 'startup', 'infrastructure'] as const
export type HealthEndpoint = (typeof HEALTH_ENDPOINTS)[number]

/** What `tarmac monitor` reads of every service unless `monitor.endpoints` says otherwise. */
export const DEFAULT_ENDPOINTS = ['live', 'ready', 'startup', 'infrastructure'] as const

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
const positiveMs = z.number().int().positive()

const healthPaths = z
  .strictObject({
    live: z.string().startsWith('/').optional(),
    ready: z.string().startsWith('/').optional(),
    startup: z.string().startsWith('/').optional(),
    infrastructure: z.string().startsWith('/').optional(),
  })
  .default({})

const serviceSchema = z.strictObject({
  url: httpUrl,
  health: healthPaths,
  /** The chat WebSocket (backend); default: the service URL with ws(s): and /ws. */
  websocket: z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' }).optional(),
  /** The name of the environment variable holding this service's HEALTH_TOKEN (details on probes). */
  tokenEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  /** Which service issues tokens for this one's WebSocket (the chat round trip signs up there). */
  authService: z.string().optional(),
})

const dependencySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('postgres'),
    url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  }),
  z.strictObject({ type: z.literal('http'), url: httpUrl }),
  z.strictObject({
    type: z.literal('tcp'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535),
  }),
])

/** A certificate `tarmac monitor` watches: a TLS handshake, its days left held to `minDaysLeft`. */
const certificateSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).default(443),
  /** SNI and the name checked; default: `host` (none for an IP address). */
  servername: z.string().min(1).optional(),
  /** Fewer whole days left than this is a warning (degraded); an expired certificate is down. */
  minDaysLeft: z.number().int().min(0).max(3_650).default(CLI_DEFAULTS.monitor.tlsMinDaysLeft),
  /** Verify the chain and the name (default); false watches the expiry of a certificate nobody's CA signed. */
  verify: z.boolean().default(true),
})

const monitorSchema = z
  .strictObject({
    intervalMs: positiveMs.default(CLI_DEFAULTS.monitor.intervalMs),
    timeoutMs: positiveMs.default(CLI_DEFAULTS.monitor.timeoutMs),
    concurrency: z.number().int().min(1).max(10_000).default(CLI_DEFAULTS.monitor.concurrency),
    failures: z.number().int().min(1).default(CLI_DEFAULTS.monitor.failures),
    window: z.number().int().min(1).default(CLI_DEFAULTS.monitor.window),
    lagBoundMs: positiveMs.default(CLI_DEFAULTS.monitor.lagBoundMs),
    endpoints: z.array(z.enum(HEALTH_ENDPOINTS)).default([...DEFAULT_ENDPOINTS]),
    /** A WebSocket connect-and-authenticate check for every service with an `authService`. */
    websocket: z.boolean().default(true),
  })
  .refine((m) => m.failures <= m.window, { message: 'failures must not exceed window', path: ['failures'] })
  .default({
    ...CLI_DEFAULTS.monitor,
    endpoints: [...DEFAULT_ENDPOINTS],
    websocket: true,
  })

/** The schema of `tarmac.yaml`; unknown keys are errors (a typo must not pass silently). */
export const configSchema = z.strictObject({
  services: z
    .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'service names are kebab-case'), serviceSchema)
    .default({}),
  dependencies: z
    .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'dependency names are kebab-case'), dependencySchema)
    .default({}),
  monitor: monitorSchema,
  /** TLS certificates whose expiry `tarmac monitor` watches (a `tls` target each). */
  certificates: z
    .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'certificate names are kebab-case'), certificateSchema)
    .default({}),
  /** The service whose `/startup-reports` holds the recorded cold starts. Default: `frontend`, when there is one. */
  collector: z.string().optional(),
  /** The deployment's budgets: `tarmac deploy check` holds them together, `tarmac deploy render` writes them. */
  fleet: fleetSchema.optional(),
  /** What `tarmac deploy render` needs beyond the budgets: images, namespace, Cloud Run's connector and URLs. */
  deploy: renderSchema.optional(),
  /** Where `tarmac monitor` sends state changes (down, recovered, degraded), and how often at most. */
  alerts: alertsSchema,
  /** Windows during which alerts are recorded but not sent. */
  maintenance: z.array(maintenanceWindowSchema).default([]),
})

export type TarmacConfig = z.output<typeof configSchema>
export type ServiceConfig = z.output<typeof serviceSchema>
export type DependencyConfig = z.output<typeof dependencySchema>
export type CertificateConfig = z.output<typeof certificateSchema>
export type MonitorConfig = z.output<typeof monitorSchema>

/** The default path of a health endpoint. */
export function healthPath(service: ServiceConfig, endpoint: HealthEndpoint): string {
  return service.health[endpoint] ?? `/health/${endpoint}`
}

/** The service's WebSocket URL: configured, or derived from its base URL. */
export function websocketUrl(service: ServiceConfig): string {
  if (service.websocket !== undefined) return service.websocket
  const url = new URL(service.url)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.pathname = '/ws'
  return url.toString()
}
