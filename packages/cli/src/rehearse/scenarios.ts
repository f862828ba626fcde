import { randomBytes } from 'node:crypto'
import { createConnector, type ConnectorOptions } from '@tarmac/connector'
import type { FaultDomain, FaultLayer } from '@tarmac/faults'
import { getFreePort } from '@tarmac/postgres/cluster'
import pg from 'pg'
import { holdEverySlot } from './capacity-hog.js'
import { REHEARSAL_DATABASES, type RehearsalStack } from './rehearsal-stack.js'

/** What a scenario sets up: how the backend reaches its database, and what diagnose is told "the database" is. */
export interface Injection {
  readonly backendDatabaseUrl: string
  readonly backendEnv?: Readonly<Record<string, string>>
  /** The database as an operator would list it in tarmac.yaml (a URL diagnose probes directly). */
  readonly databaseUrl: string
  /** Whether the backend should become ready with the fault in place, or exit 3. */
  readonly backendOutcome: 'ready' | 'exited'
  /** After the backend settled, before diagnose: load, a lock, a pause for checks to see it. */
  readonly afterStart?: (backendUrl: string) => Promise<void>
  readonly cleanup?: () => Promise<void>
}

/** A named fault, the verdict it must produce, and how to inject it. */
export interface Scenario {
  readonly name: string
  readonly description: string
  readonly expected: { readonly domain: FaultDomain; readonly layer: FaultLayer }
  prepare(stack: RehearsalStack): Promise<Injection>
}

/** The backend's database through a connector model set for the fault; cleanup closes it. */
async function throughConnector(
  stack: RehearsalStack,
  options: Omit<ConnectorOptions, 'upstream'>,
  upstreamPort = stack.cluster.port,
) {
  const connector = createConnector({ upstream: { host: '127.0.0.1', port: upstreamPort }, ...options })
  const { url } = await connector.listen()
  return { url: url(stack.appUrl(REHEARSAL_DATABASES.backend)), close: () => connector.close() }
}

const superuserUrl = (stack: RehearsalStack) => stack.cluster.url()

/** Signs a throwaway user up at auth and returns its access token, for requests that need one. */
async function tokenFrom(stack: RehearsalStack): Promise<string> {
  const response = await fetch(`${stack.auth.url}/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `rehearse-${randomBytes(4).toString('hex')}@tarmac.invalid`,
      password: randomBytes(12).toString('base64url'),
      displayName: 'tarmac rehearse',
    }),
  })
  const body = (await response.json()) as { accessToken?: string }
  if (!body.accessToken) throw new Error(`signup at auth answered ${response.status}`)
  return body.accessToken
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'slow-connector',
    description: 'every connection through the VPC connector takes 2.5 s to establish',
    expected: { domain: 'infrastructure', layer: 'connector' },
    async prepare(stack) {
      const path = await throughConnector(stack, { establishDelayMs: 2_500 })
      return {
        backendDatabaseUrl: path.url,
        databaseUrl: superuserUrl(stack),
        backendOutcome: 'ready',
        cleanup: path.close,
      }
    },
  },
  {
    name: 'connector-at-capacity',
    description:
      'the connector establishes one connection at a time (1.2 s each) and scales up only after a minute',
    expected: { domain: 'infrastructure', layer: 'connector' },
    async prepare(stack) {
      const path = await throughConnector(stack, {
        establishDelayMs: 1_200,
        capacity: 1,
        scaleUp: { toCapacity: 10, afterMs: 60_000 },
      })
      return {
        backendDatabaseUrl: path.url,
        databaseUrl: superuserUrl(stack),
        backendOutcome: 'ready',
        cleanup: path.close,
      }
    },
  },
  {
    name: 'database-at-max-connections',
    description: 'another application holds every slot the app role may take (53300)',
    expected: { domain: 'infrastructure', layer: 'postgres-capacity' },
    async prepare(stack) {
      const hogs = await holdEverySlot(stack.appUrl(REHEARSAL_DATABASES.backend))
      return {
        backendDatabaseUrl: stack.appUrl(REHEARSAL_DATABASES.backend),
        databaseUrl: superuserUrl(stack),
        backendOutcome: 'exited',
        cleanup: async () =>
          void (await Promise.all(hogs.map((client) => client.end().catch(() => undefined)))),
      }
    },
  },
  {
    name: 'database-down',
    description: 'nothing listens where the database should be; the connector resets every connection',
    expected: { domain: 'infrastructure', layer: 'postgres-availability' },
    async prepare(stack) {
      const deadPort = await getFreePort()
      const path = await throughConnector(stack, {}, deadPort)
      return {
        backendDatabaseUrl: path.url,
        databaseUrl: stack.appUrl(REHEARSAL_DATABASES.backend, { port: deadPort }),
        backendOutcome: 'exited',
        cleanup: path.close,
      }
    },
  },
  {
    name: 'database-starting-up',
    description: 'the database is a standby still in recovery: it refuses connections with 57P03',
    expected: { domain: 'infrastructure', layer: 'postgres-availability' },
    async prepare(stack) {
      const standby = await stack.cluster.startStandby({ hotStandby: false })
      return {
        backendDatabaseUrl: stack.appUrl(REHEARSAL_DATABASES.backend, { port: standby.port }),
        databaseUrl: standby.url(),
        backendOutcome: 'exited',
        cleanup: () => standby.stop(),
      }
    },
  },
  {
    name: 'wrong-password',
    description: "the backend's DATABASE_URL carries a wrong password (28P01)",
    expected: { domain: 'configuration', layer: 'postgres-auth' },
    prepare: async (stack) => ({
      backendDatabaseUrl: stack.appUrl(REHEARSAL_DATABASES.backend, { password: 'not-the-password' }),
      databaseUrl: superuserUrl(stack),
      backendOutcome: 'exited',
    }),
  },
  {
    name: 'missing-database',
    description: "the backend's DATABASE_URL names a database that does not exist (3D000)",
    expected: { domain: 'configuration', layer: 'postgres-auth' },
    prepare: async (stack) => ({
      backendDatabaseUrl: stack.appUrl('no_such_database'),
      databaseUrl: superuserUrl(stack),
      backendOutcome: 'exited',
    }),
  },
  {
    name: 'dns-failure',
    description: 'the database host does not resolve (NXDOMAIN)',
    expected: { domain: 'infrastructure', layer: 'dns' },
    prepare: async (stack) => ({
      backendDatabaseUrl: stack.appUrl(REHEARSAL_DATABASES.backend, { host: 'db.rehearsal.invalid' }),
      databaseUrl: superuserUrl(stack),
      backendOutcome: 'exited',
    }),
  },
  {
    name: 'tls-refused',
    description: 'the backend requires TLS (sslmode=require) and the database offers none',
    expected: { domain: 'infrastructure', layer: 'tls' },
    prepare: async (stack) => ({
      backendDatabaseUrl: stack.appUrl(REHEARSAL_DATABASES.backend, { query: 'sslmode=require' }),
      databaseUrl: superuserUrl(stack),
      backendOutcome: 'exited',
    }),
  },
  {
    name: 'pool-exhausted',
    description: "the backend's own pool (one connection) is held by requests stuck behind a lock",
    expected: { domain: 'application', layer: 'pool' },
    async prepare(stack) {
      const locker = new pg.Client({
        connectionString: stack.cluster.url({ database: REHEARSAL_DATABASES.backend }),
      })
      return {
        backendDatabaseUrl: stack.appUrl(REHEARSAL_DATABASES.backend),
        backendEnv: { DB_POOL_MAX: '1' },
        databaseUrl: superuserUrl(stack),
        backendOutcome: 'ready',
        async afterStart(backendUrl) {
          const token = await tokenFrom(stack)
          await locker.connect()
          await locker.query('begin')
          await locker.query('lock table chat_threads in access exclusive mode')
          // Requests that take the pool's only connection and wait behind the lock.
          for (let i = 0; i < 3; i++)
            void fetch(`${backendUrl}/api/threads`, { headers: { authorization: `Bearer ${token}` } }).catch(
              () => undefined,
            )
          // Let the pool and response-time checks see it (they run every 5 s).
          await new Promise((resolve) => setTimeout(resolve, 7_000))
        },
        cleanup: async () => {
          await locker.query('rollback').catch(() => undefined)
          await locker.end().catch(() => undefined)
        },
      }
    },
  },
]
