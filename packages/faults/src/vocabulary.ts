/**
 * Whose move a fault is. `application`: this code, its migrations, its pool — the team that ships it.
 * `infrastructure`: the network path, the connector, the database server, a provider — the platform's side.
 * `configuration`: a value someone set (a URL, a password, a database name) — neither code nor platform broke.
 */
export const FAULT_DOMAINS = ['application', 'infrastructure', 'configuration'] as const
export type FaultDomain = (typeof FAULT_DOMAINS)[number]

/** Where on the path a fault sits. One closed list for every package and service. */
export const FAULT_LAYERS = [
  'dns',
  'tcp',
  'connector',
  'tls',
  'postgres-auth',
  'postgres-capacity',
  'postgres-availability',
  'pool',
  'provider',
  'auth-service',
  'redis',
  'application',
  'client',
  'process',
  'startup',
] as const
export type FaultLayer = (typeof FAULT_LAYERS)[number]

/** One line per layer, for `--help`, READMEs and handoffs. */
export const FAULT_LAYER_MEANINGS: Readonly<Record<FaultLayer, string>> = {
  dns: 'name resolution of a host',
  tcp: 'the network path to a host: refused, unreachable, reset or silent',
  connector:
    'the serverless VPC connector between the service and the database: establishment time and capacity',
  tls: 'certificates and TLS handshakes',
  'postgres-auth': 'the database refused the session: credentials, database name, pg_hba',
  'postgres-capacity': 'the database is out of connection slots (max_connections)',
  'postgres-availability': 'the database is down, starting, stopping or not answering',
  pool: "the service's own connection pool: exhausted or too small for its load",
  provider: 'the LLM provider',
  'auth-service': 'the auth service as its callers see it (JWKS, tokens)',
  redis: 'the Redis fan-out bus',
  application: "the service's own code, schema or invariants",
  client: "the caller's request: bad input, missing or expired credentials (not an outage)",
  process: 'a service process: exited, killed, stopping, not listening, wedged',
  startup: "the startup engine's own limits: a deadline or attempt timeout (the cause says more)",
}

/** A verdict may not know: no evidence, or evidence that does not say. */
export type VerdictDomain = FaultDomain | 'unknown'
export type VerdictLayer = FaultLayer | 'unknown'

export const isFaultDomain = (value: unknown): value is FaultDomain =>
  typeof value === 'string' && (FAULT_DOMAINS as readonly string[]).includes(value)
export const isFaultLayer = (value: unknown): value is FaultLayer =>
  typeof value === 'string' && (FAULT_LAYERS as readonly string[]).includes(value)
