import { z } from 'zod'

/** Platforms whose limits `tarmac deploy check` knows (see `platform-limits.ts`). */
export const PLATFORMS = ['kubernetes', 'cloud-run'] as const
export type Platform = (typeof PLATFORMS)[number]

/** How a service reaches Postgres: straight, through the fleet's pooler (PgBouncer), or not at all. */
export const DATABASE_ROUTES = ['direct', 'pooler', 'none'] as const
export type DatabaseRoute = (typeof DATABASE_ROUTES)[number]

/** What a plan leaves out, with units in the names. Service defaults match the services' own. */
export const FLEET_DEFAULTS = Object.freeze({
  /** `superuser_reserved_connections`' default. */
  reserved: 3,
  heldByOthers: 0,
  /** The startup probe window must exceed the deadline by this: time to send the report and exit 3. */
  probeMarginMs: 10_000,
  minInstances: 1,
  /** Extra instances while a rollout replaces old ones (Kubernetes `maxSurge`). */
  surgeInstances: 1,
  poolMax: 10,
  startupDeadlineMs: 120_000,
  connectTimeoutMs: 30_000,
  /** Database connect attempts that must fit in the startup deadline. */
  connectAttempts: 3,
  drainDelayMs: 5_000,
  stopBudgetMs: 10_000,
  concurrency: 80,
  reservePoolSize: 0,
  serverLoginRetryMs: 1_000,
})

const count = (min: number) => z.number().int().min(min)
const ms = z.number().int().positive()

const serviceSchema = z.strictObject({
  /** The most instances that may run at once (HPA max, Cloud Run max instances). */
  maxInstances: count(1),
  minInstances: count(0).optional(),
  surgeInstances: count(0).default(FLEET_DEFAULTS.surgeInstances),
  /** `DB_POOL_MAX`: connections one instance asks for. */
  poolMax: count(1).default(FLEET_DEFAULTS.poolMax),
  /** Default: `pooler` when the fleet declares one, else `direct`. */
  database: z.enum(DATABASE_ROUTES).optional(),
  startupDeadlineMs: ms.default(FLEET_DEFAULTS.startupDeadlineMs),
  /** The platform's startup probe window (failureThreshold × periodSeconds). Default: deadline + margin. */
  startupProbeWindowMs: ms.optional(),
  connectTimeoutMs: ms.default(FLEET_DEFAULTS.connectTimeoutMs),
  connectAttempts: count(1).default(FLEET_DEFAULTS.connectAttempts),
  drainDelayMs: count(0).default(FLEET_DEFAULTS.drainDelayMs),
  /** What stopping every component may take after the drain. */
  stopBudgetMs: ms.default(FLEET_DEFAULTS.stopBudgetMs),
  /** Requests (and WebSockets) one instance serves at once: Cloud Run's `containerConcurrency`. */
  concurrency: count(1).default(FLEET_DEFAULTS.concurrency),
  cpu: z
    .string()
    .regex(/^\d+(\.\d+)?m?$/, 'a CPU quantity like 1 or 500m')
    .default('1'),
  memory: z
    .string()
    .regex(/^\d+(Mi|Gi)$/, 'a memory quantity like 512Mi')
    .default('512Mi'),
})

/** The `fleet:` section of tarmac.yaml: the deployment's budgets, which `tarmac deploy check` holds together. */
export const fleetSchema = z
  .strictObject({
    /** Platforms whose limits apply (both may render from one plan). */
    platforms: z.array(z.enum(PLATFORMS)).default([]),
    database: z.strictObject({
      maxConnections: count(1),
      reserved: count(0).default(FLEET_DEFAULTS.reserved),
      /** Connections other applications hold (a monitoring agent, an admin, a job runner). */
      heldByOthers: count(0).default(FLEET_DEFAULTS.heldByOthers),
    }),
    /** PgBouncer in transaction mode between the services and Postgres. */
    pooler: z
      .strictObject({
        /** `max_client_conn`. */
        maxClientConnections: count(1),
        /** What the pooler may open to Postgres in all (`max_db_connections`; the pool plus its reserve). */
        serverConnections: count(1),
        reservePoolSize: count(0).default(FLEET_DEFAULTS.reservePoolSize),
        /** PgBouncer processes: each has its own pools, so server connections multiply. */
        replicas: count(1).default(1),
        serverLoginRetryMs: ms.default(FLEET_DEFAULTS.serverLoginRetryMs),
      })
      .refine((p) => p.reservePoolSize < p.serverConnections, {
        message: 'reservePoolSize must be less than serverConnections',
        path: ['reservePoolSize'],
      })
      .optional(),
    /**
     * The VPC connector in front of the database (or the pooler): how fast it establishes connections while cold,
     * and (for `tarmac deploy verify`) the size that rate was measured at.
     */
    connector: z
      .strictObject({
        admissionsPerSecond: z.number().positive(),
        /** Serverless VPC Access: instances it keeps (≥ 2) and may scale to (≤ 10), and their machine type. */
        minInstances: count(2).optional(),
        maxInstances: count(3).optional(),
        machineType: z.string().min(1).optional(),
        /** One establishment while cold, drawn uniformly (the storm model; default 1–3 s). */
        establishMs: z
          .strictObject({ minMs: z.number().nonnegative(), maxMs: z.number().nonnegative() })
          .refine((e) => e.minMs <= e.maxMs, { message: 'minMs must not exceed maxMs', path: ['minMs'] })
          .optional(),
        /** How long after the first queued connection it reaches maxInstances (the storm model; default 20 s). */
        scaleUpAfterMs: ms.optional(),
      })
      .refine(
        (c) =>
          c.minInstances === undefined || c.maxInstances === undefined || c.minInstances < c.maxInstances,
        {
          message: 'minInstances must be less than maxInstances',
          path: ['minInstances'],
        },
      )
      .optional(),
    probeMarginMs: ms.default(FLEET_DEFAULTS.probeMarginMs),
    services: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'service names are kebab-case'), serviceSchema)
      .refine((services) => Object.keys(services).length > 0, 'at least one service'),
  })
  .superRefine((fleet, context) => {
    for (const [name, service] of Object.entries(fleet.services)) {
      if (service.database === 'pooler' && !fleet.pooler)
        context.addIssue({
          code: 'custom',
          path: ['services', name, 'database'],
          message: 'is pooler, but the fleet declares no pooler',
        })
      if (service.minInstances !== undefined && service.minInstances > service.maxInstances)
        context.addIssue({
          code: 'custom',
          path: ['services', name, 'minInstances'],
          message: 'must not exceed maxInstances',
        })
    }
  })

export type FleetConfig = z.output<typeof fleetSchema>
export type FleetServiceConfig = z.output<typeof serviceSchema>

/** A service of the plan with every default resolved. */
export interface FleetService extends Omit<
  FleetServiceConfig,
  'database' | 'minInstances' | 'startupProbeWindowMs'
> {
  readonly name: string
  readonly database: DatabaseRoute
  readonly minInstances: number
  readonly startupProbeWindowMs: number
}

/** The services with their defaults resolved, in declaration order. */
export function fleetServices(fleet: FleetConfig): FleetService[] {
  return Object.entries(fleet.services).map(([name, service]) => ({
    ...service,
    name,
    database: service.database ?? (fleet.pooler ? 'pooler' : 'direct'),
    minInstances: service.minInstances ?? Math.min(FLEET_DEFAULTS.minInstances, service.maxInstances),
    startupProbeWindowMs: service.startupProbeWindowMs ?? service.startupDeadlineMs + fleet.probeMarginMs,
  }))
}

/** Server slots an ordinary role can have: `max_connections − reserved − held by others`. */
export function usableConnections(fleet: FleetConfig): number {
  const { maxConnections, reserved, heldByOthers } = fleet.database
  return maxConnections - reserved - heldByOthers
}
