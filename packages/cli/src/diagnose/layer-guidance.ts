import type { FaultLayer } from '@tarmac/faults'

/**
 * For each layer: who usually owns it (the handoff's addressee), what they can do first, and what would change
 * a verdict naming it.
 */
export const LAYER_GUIDANCE: Readonly<
  Record<FaultLayer, { readonly owner: string; readonly action: string; readonly wouldChange: string }>
> = {
  dns: {
    action:
      'check the record in the resolver the service uses (private zones, VPC DNS), then the host in the service’s configuration',
    owner: 'the network / DNS team',
    wouldChange:
      'the name resolving from inside the service (a probe of the same host by IP working) would rule DNS out',
  },
  tcp: {
    action:
      'check routes, firewall rules and the connector between the service and the host; compare with a probe from the same network',
    owner: 'the network team',
    wouldChange:
      'a direct probe of the same host and port from the service’s own network connecting would rule the network path out',
  },
  connector: {
    action:
      'look at the connector’s queue and instance metrics; raise its minimum instances or throughput, or put a pooler (PgBouncer) on the database side so fewer connections cross it',
    owner: 'the platform team that runs the VPC connector',
    wouldChange:
      'fresh connects from inside the service as fast as from here (or the connector’s own metrics showing no queue) would rule the connector out; the database being as slow from here would point at the database instead',
  },
  tls: {
    action: 'align sslmode with what the server offers; renew or re-issue the certificate, or trust its CA',
    owner: 'whoever issues the database certificates and sets sslmode',
    wouldChange:
      'a connect with the same sslmode succeeding from here would point back at the service’s configuration',
  },
  'postgres-auth': {
    action:
      'compare the service’s DATABASE_URL (user, password, database) with the database; check pg_hba.conf',
    owner: 'whoever manages the database credentials and the service’s configuration',
    wouldChange:
      'the same user, password and database name connecting from here would point at the service’s environment instead of the database',
  },
  'postgres-capacity': {
    action:
      'count connections by application_name; shrink pools (DB_POOL_MAX, DB_FLEET_SIZE), add a pooler, or raise max_connections',
    owner: 'the database team, with the owners of every application holding slots',
    wouldChange:
      'free slots (pg_stat_activity below max_connections − reserved) while the services still fail would rule capacity out',
  },
  'postgres-availability': {
    action: 'look at the database host: is it up, in recovery, failing over, restarting?',
    owner: 'the database team',
    wouldChange:
      'the database accepting and answering fresh connects from here would rule out an outage of the server itself',
  },
  pool: {
    action:
      'find what holds the pool’s connections (long queries, locks, leaked clients); raise the pool within its budget only with evidence',
    owner: 'the team that ships the service',
    wouldChange:
      'fresh connects failing or slow from inside the service (not only requests waiting for the pool) would point below the pool',
  },
  provider: {
    action: 'check the provider’s status and the model name and key the service uses',
    owner: 'whoever runs or pays for the LLM provider',
    wouldChange: 'the provider’s /models answering promptly from inside the service would rule it out',
  },
  'auth-service': {
    action: 'check the auth service’s own health and its JWKS endpoint',
    owner: 'the team that runs the auth service',
    wouldChange: 'auth’s JWKS answering from inside the backend would rule it out',
  },
  redis: {
    action: 'check Redis (PING, pub/sub permissions) from the service’s network',
    owner: 'whoever runs Redis',
    wouldChange: 'Redis answering PING from inside the backend would rule it out',
  },
  application: {
    action: 'read the failing component’s error and the service’s logs around the time it failed',
    owner: 'the team that ships the service',
    wouldChange:
      'the same build passing its self-test against a known-good database would point at the environment instead',
  },
  client: {
    action: 'fix the request: its body, its token',
    owner: 'the caller',
    wouldChange: 'a well-formed, authorised request failing the same way would point at the service',
  },
  process: {
    action:
      'look at the platform’s events around the exit (OOM kill, scale-in, deploy) and the process’s last log lines',
    owner: 'the team that ships the service, with the platform team',
    wouldChange:
      'the process staying up with no platform event (OOM kill, scale-in, deploy) around the failure would point elsewhere',
  },
  startup: {
    action: 'read the last real error in the startup report; raise a timeout only with evidence',
    owner: 'the team that ships the service',
    wouldChange:
      'the last real error before the deadline (in the startup report) says more than the deadline itself',
  },
}
