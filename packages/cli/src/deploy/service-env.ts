import type { FleetService } from './fleet-schema.js'
import { nodeOptionsFor } from './node-heap.js'
import type { ResolvedRender } from './render-schema.js'
import { SERVICE_SPECS, type RenderedService } from './service-catalog.js'

/** Where the services find each other on a platform. */
export interface Endpoints {
  readonly backend: string
  readonly auth: string
  readonly frontend: string
  readonly redis: string
}

/** Inside a Kubernetes namespace: the Services the base renders. */
export const KUBERNETES_ENDPOINTS: Endpoints = {
  backend: 'http://backend:8000',
  auth: 'http://auth:8001',
  frontend: 'http://frontend:3000',
  redis: 'redis://redis:6379',
}

/**
 * Which peers may set `x-forwarded-for` (docs/security.md, docs/deploy.md "Client addresses on Cloud Run"). On
 * Cloud Run, two hops: every service is reached through Google's front end, which appends the address it got the
 * request from — behind the external Application Load Balancer that is `<client>, <load balancer>`, and from the
 * frontend's proxy (which sets the client it concluded) `<client>, <frontend's egress>` — so the client is the
 * second entry from the right, on every path the ingress settings allow. In Kubernetes, the ingress controller
 * and the pods (the frontend's `/ws` tunnel to the backend), on private addresses. Auth keys its rate limits on
 * the result, the backend its sockets-per-address cap.
 */
export const TRUST_PROXY_BY_PLATFORM = {
  'cloud-run': '2',
  kubernetes: 'uniquelocal',
} as const
export type Platform = keyof typeof TRUST_PROXY_BY_PLATFORM

/**
 * The plain (non-secret) environment of one service, from its budgets: the pool and fleet size, the pooler,
 * the deadline and connect timeout, the drain delay, where the others are, the heap limit its memory allows. Sorted by name, so renders are stable.
 */
export function serviceEnv(
  service: FleetService & { name: RenderedService },
  render: ResolvedRender,
  endpoints: Endpoints,
  options: { drainDelayMs: number; platform: Platform },
): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    RELEASE_ID: render.releaseId,
    // V8's heap within the container's memory limit, not the host's (node-heap.ts).
    NODE_OPTIONS: nodeOptionsFor(service.memory),
  }
  if (SERVICE_SPECS[service.name].startupEnv)
    Object.assign(env, {
      DRAIN_DELAY_MS: String(options.drainDelayMs),
      STARTUP_DEADLINE_MS: String(service.startupDeadlineMs),
      PLATFORM_STARTUP_WINDOW_MS: String(service.startupProbeWindowMs),
    })
  if (service.database !== 'none')
    Object.assign(env, {
      DB_POOL_MAX: String(service.poolMax),
      // Every instance that may run at once, a rollout's surge included: the admission divides by it.
      DB_FLEET_SIZE: String(service.maxInstances + service.surgeInstances),
      DB_POOLER: service.database === 'pooler' ? 'transaction' : 'none',
      DB_CONNECT_TIMEOUT_MS: String(service.connectTimeoutMs),
      STARTUP_REPORT_URL: `${endpoints.frontend}/startup-reports`,
    })
  env.TRUST_PROXY = TRUST_PROXY_BY_PLATFORM[options.platform]
  if (service.name === 'backend') Object.assign(env, { AUTH_URL: endpoints.auth, REDIS_URL: endpoints.redis })
  // Auth's rate limits count across its instances through the same Redis (services/auth README).
  if (service.name === 'auth') env.REDIS_URL = endpoints.redis
  if (service.name === 'frontend')
    Object.assign(env, { BACKEND_URL: endpoints.backend, AUTH_URL: endpoints.auth })
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)))
}
