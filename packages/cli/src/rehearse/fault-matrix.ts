import type { FaultDomain, FaultLayer } from '@tarmac/faults'
import type { DiagnosisInput } from '../diagnose/observations.js'
import {
  AT,
  DATABASE_CHECKS,
  capacity,
  collector,
  database,
  failedColdStarts,
  failing,
  probeBody,
  probeFailed,
  probeOk,
  service,
  supervisor,
} from './matrix-evidence.js'

/**
 * The labelled fault matrix: scenarios whose right answer is known, each with the evidence diagnose would gather
 * and the verdict it must give — one fault (domain and layer), several at once (in order of weight: the first is
 * the verdict, the others follow it among the candidates), or none (`healthy`). `rehearsed` names the scenario of
 * `tarmac rehearse` that injects the same fault for real (its evidence here is what that rehearsal records);
 * the rest are constructed: what the services, the collector, the probes from here and `tarmac up` would show.
 */
export interface MatrixScenario {
  readonly name: string
  readonly description: string
  /** The faults, heaviest first; empty: no fault, the verdict must be healthy. */
  readonly expected: readonly { readonly domain: FaultDomain; readonly layer: FaultLayer }[]
  /** The `tarmac rehearse` scenario that injects it for real, when there is one. */
  readonly rehearsed?: string
  readonly input: DiagnosisInput
}

const fault = (domain: FaultDomain, layer: FaultLayer) => ({ domain, layer })

/** A healthy auth and frontend (the collector), as every rehearsal has them. */
const auth = () => service('auth', { ready: 'pass', checks: DATABASE_CHECKS })
/** Auth on a database with no slot left for its role: its in-service probe is refused with 53300. */
const authOnFullDatabase = () =>
  service('auth', {
    ready: 'pass',
    checks: DATABASE_CHECKS,
    probe: probeBody({
      failed: { code: 'PG_ERR_TOO_MANY_CONNECTIONS', phase: 'auth', errorClass: 'PG_TOO_MANY_CONNECTIONS' },
    }),
  })
const frontend = () => service('frontend', { ready: 'pass', probe: null })
const fastDatabase = () => database([probeOk(), probeOk(), probeOk()])

function input(parts: Partial<DiagnosisInput>): DiagnosisInput {
  return {
    at: AT,
    services: [],
    coldStarts: collector([]),
    dependencies: [fastDatabase()],
    capacity: capacity(12),
    ...parts,
  }
}

/** A backend that exited 3 at startup, again and again: silent now, its cold starts recorded. */
function backendExited(
  count: number,
  failure: Parameters<typeof failedColdStarts>[2],
  parts: Partial<DiagnosisInput> = {},
): DiagnosisInput {
  return input({
    services: [service('backend', { ready: 'silent' }), auth(), frontend()],
    coldStarts: collector(failedColdStarts('backend', count, failure)),
    ...parts,
  })
}

const databaseAttempt = (code: string, domain: string, layer: string) => ({
  phase: 'database',
  component: 'postgres',
  code,
  domain,
  layer,
})

export const MATRIX: readonly MatrixScenario[] = [
  // — No fault: the verdict must be healthy.
  {
    name: 'healthy-stack',
    description: 'every service ready, fast connects inside and from here, free slots',
    expected: [],
    input: input({
      services: [service('backend', { ready: 'pass', checks: DATABASE_CHECKS }), auth(), frontend()],
    }),
  },
  {
    name: 'healthy-slow-only-from-here',
    description: "the services connect fast; only diagnose's own path (a laptop on a VPN) is slow",
    expected: [],
    input: input({
      services: [service('backend', { ready: 'pass', checks: DATABASE_CHECKS }), auth(), frontend()],
      dependencies: [
        database([probeOk({ auth: 2_400 }), probeOk({ auth: 2_500 }), probeOk({ auth: 2_600 })]),
      ],
    }),
  },

  // — The faults `tarmac rehearse` injects for real, as those rehearsals record them.
  {
    name: 'slow-connector',
    description: 'every connection through the VPC connector takes 2.5 s to establish',
    rehearsed: 'slow-connector',
    expected: [fault('infrastructure', 'connector')],
    input: input({
      services: [
        service('backend', {
          ready: 'pass',
          checks: DATABASE_CHECKS,
          admissionMs: 2_510,
          probe: probeBody({ authMs: 2_500 }),
        }),
        auth(),
        frontend(),
      ],
    }),
  },
  {
    name: 'connector-at-capacity',
    description: 'the connector establishes one connection at a time (1.2 s each)',
    rehearsed: 'connector-at-capacity',
    expected: [fault('infrastructure', 'connector')],
    input: input({
      services: [
        service('backend', {
          ready: 'pass',
          checks: DATABASE_CHECKS,
          admissionMs: 1_210,
          probe: probeBody({ authMs: 6_000 }),
        }),
        auth(),
        frontend(),
      ],
    }),
  },
  {
    name: 'database-at-max-connections',
    description: 'another application holds every slot (53300)',
    rehearsed: 'database-at-max-connections',
    expected: [fault('infrastructure', 'postgres-capacity')],
    input: backendExited(
      1,
      databaseAttempt('PG_ERR_TOO_MANY_CONNECTIONS', 'infrastructure', 'postgres-capacity'),
      {
        services: [service('backend', { ready: 'silent' }), authOnFullDatabase(), frontend()],
        capacity: capacity(0),
      },
    ),
  },
  {
    name: 'database-down',
    description: 'nothing listens where the database should be; the connector resets every connection',
    rehearsed: 'database-down',
    expected: [fault('infrastructure', 'postgres-availability')],
    input: backendExited(
      1,
      {
        phase: 'database',
        component: 'postgres',
        code: 'STARTUP_ERR_DEADLINE_EXCEEDED',
        causeCode: 'PG_ERR_CONNECTION_LOST',
      },
      {
        dependencies: [database([probeFailed('TCP_REFUSED', 'tcp')])],
        capacity: capacity({ code: 'PG_ERR_UNREACHABLE' }),
      },
    ),
  },
  {
    name: 'database-starting-up',
    description: 'a standby still in recovery refuses with 57P03',
    rehearsed: 'database-starting-up',
    expected: [fault('infrastructure', 'postgres-availability')],
    input: backendExited(
      1,
      databaseAttempt('PG_ERR_STARTING_UP', 'infrastructure', 'postgres-availability'),
      {
        dependencies: [database([probeFailed('PG_STARTING_UP', 'auth')])],
        capacity: capacity({ code: 'PG_ERR_STARTING_UP' }),
      },
    ),
  },
  {
    name: 'wrong-password',
    description: "the backend's DATABASE_URL carries a wrong password (28P01)",
    rehearsed: 'wrong-password',
    expected: [fault('configuration', 'postgres-auth')],
    input: backendExited(1, databaseAttempt('PG_ERR_AUTH_FAILED', 'configuration', 'postgres-auth')),
  },
  {
    name: 'missing-database',
    description: "the backend's DATABASE_URL names a database that does not exist (3D000)",
    rehearsed: 'missing-database',
    expected: [fault('configuration', 'postgres-auth')],
    input: backendExited(1, databaseAttempt('PG_ERR_DATABASE_NOT_FOUND', 'configuration', 'postgres-auth')),
  },
  {
    name: 'dns-failure',
    description: 'the database host does not resolve',
    rehearsed: 'dns-failure',
    expected: [fault('infrastructure', 'dns')],
    input: backendExited(1, databaseAttempt('PG_ERR_HOST_NOT_FOUND', 'infrastructure', 'dns')),
  },
  {
    name: 'tls-refused',
    description: 'the backend requires TLS and the database offers none',
    rehearsed: 'tls-refused',
    expected: [fault('infrastructure', 'tls')],
    input: backendExited(1, databaseAttempt('PG_ERR_TLS_FAILED', 'infrastructure', 'tls')),
  },
  {
    name: 'pool-exhausted',
    description: "the backend's own pool is held by requests stuck behind a lock",
    rehearsed: 'pool-exhausted',
    expected: [fault('application', 'pool')],
    input: input({
      services: [
        service('backend', {
          ready: 'fail',
          checks: {
            ...DATABASE_CHECKS,
            'postgres:pool': failing('pool', 'PG_ERR_POOL_EXHAUSTED', 'application'),
          },
        }),
        auth(),
        frontend(),
      ],
    }),
  },

  // — Constructed: the cases, every code class, the supervisor, and two faults at once.
  {
    name: 'slow-connector-from-outside',
    description: 'tarmac.yaml names one database and no services; every connect takes 5 s, one at a time',
    expected: [fault('infrastructure', 'connector')],
    input: input({
      coldStarts: null,
      dependencies: [
        database([probeOk({ auth: 5_003 }), probeOk({ auth: 5_001 }), probeOk({ auth: 5_004 })]),
      ],
    }),
  },
  {
    name: 'crash-loop-42P05',
    description: 'every restart exits 3 in finalize with 42P05 (a statement the application sent)',
    expected: [fault('application', 'application')],
    input: backendExited(4, { phase: 'finalize', component: 'self-test', code: '42P05' }),
  },
  {
    name: 'crash-loop-23505',
    description: 'every restart exits 3 in services with a unique violation (23505)',
    expected: [fault('application', 'application')],
    input: backendExited(3, {
      phase: 'services',
      component: 'chat',
      code: 'STARTUP_ERR_CRITICAL_FAILED',
      causeCode: '23505',
    }),
  },
  {
    name: 'programming-error-at-startup',
    description: 'a TypeError of the code itself ends every cold start in services (no annotation)',
    expected: [fault('application', 'application')],
    input: backendExited(3, { phase: 'services', component: 'assistant', code: 'TypeError' }),
  },
  {
    name: 'killed-under-up',
    description: 'tarmac up saw the backend killed by SIGKILL; it is not back yet',
    expected: [fault('application', 'process')],
    input: input({
      services: [service('backend', { ready: 'silent' }), auth(), frontend()],
      supervisor: supervisor({ backend: { signal: 'SIGKILL', down: true }, auth: {}, frontend: {} }),
    }),
  },
  {
    name: 'crash-exit-1-under-up',
    description: 'tarmac up saw the backend exit 1 three times (an uncaught exception)',
    expected: [fault('application', 'process')],
    input: input({
      services: [service('backend', { ready: 'silent' }), auth(), frontend()],
      supervisor: supervisor({ backend: { code: 1, times: 3, down: true }, auth: {}, frontend: {} }),
    }),
  },
  {
    name: 'deadlock-in-check',
    description: "the backend's response-time check fails with a deadlock (40P01), everything else fine",
    expected: [fault('application', 'application')],
    input: input({
      services: [
        service('backend', {
          ready: 'fail',
          checks: { ...DATABASE_CHECKS, 'chat:store': failing('application', '40P01') },
        }),
        auth(),
        frontend(),
      ],
    }),
  },
  {
    name: 'disk-full',
    description: "the database's disk is full (53100) on every write the backend's check makes",
    expected: [fault('infrastructure', 'postgres-availability')],
    input: input({
      services: [
        service('backend', {
          ready: 'fail',
          checks: { ...DATABASE_CHECKS, 'chat:store': failing('application', '53100') },
        }),
        auth(),
        frontend(),
      ],
    }),
  },
  {
    name: 'missing-grant',
    description: 'the migrations fail with 42501: the role lacks a privilege someone should have granted',
    expected: [fault('configuration', 'postgres-auth')],
    input: backendExited(3, { phase: 'database', component: 'postgres', code: '42501' }),
  },
  {
    name: 'server-internal-error',
    description: 'every cold start fails in the database phase with XX001 (data corrupted)',
    expected: [fault('infrastructure', 'postgres-availability')],
    input: backendExited(2, { phase: 'database', component: 'postgres', code: 'XX001' }),
  },
  {
    name: 'connection-exception-08006',
    description:
      'cold starts fail with a raw 08006 (connection failure) while the database answers from here',
    expected: [fault('infrastructure', 'tcp')],
    input: backendExited(2, { phase: 'database', component: 'postgres', code: '08006' }),
  },
  {
    name: 'raw-econnreset-check',
    description: "a check fails with a raw ECONNRESET (no catalog code): the network's class",
    expected: [fault('infrastructure', 'tcp')],
    input: input({
      services: [
        service('backend', {
          ready: 'fail',
          checks: { ...DATABASE_CHECKS, 'search:ping': failing('tcp', 'ECONNRESET') },
        }),
        auth(),
        frontend(),
      ],
    }),
  },
  {
    name: 'bare-fetch-failed',
    description: 'cold starts fail in dependencies with a bare `fetch failed` (its cause lost)',
    expected: [fault('infrastructure', 'tcp')],
    input: backendExited(2, {
      phase: 'dependencies',
      component: 'search',
      code: 'TypeError',
      message: 'fetch failed',
    }),
  },
  {
    name: 'provider-down',
    description: 'the LLM provider answers 503; startup of the backend fails in dependencies',
    expected: [fault('infrastructure', 'provider')],
    input: backendExited(2, {
      phase: 'dependencies',
      component: 'assistant',
      code: 'BACKEND_ERR_PROVIDER_UNAVAILABLE',
      domain: 'infrastructure',
      layer: 'provider',
    }),
  },
  {
    name: 'auth-down-database-fine',
    description: "auth is down (no answer); the backend's JWKS check fails while its database is fine",
    expected: [fault('infrastructure', 'auth-service')],
    input: input({
      services: [
        service('backend', {
          ready: 'fail',
          checks: {
            ...DATABASE_CHECKS,
            'auth:jwks': failing('auth-service', 'BACKEND_ERR_JWKS_UNAVAILABLE', 'infrastructure'),
          },
        }),
        service('auth', { ready: 'silent' }),
        frontend(),
      ],
    }),
  },
  {
    name: 'application-bug-healthy-infrastructure',
    description:
      'a TypeError crash loop in services while connects are fast inside and out and slots are free',
    expected: [fault('application', 'application')],
    input: input({
      services: [
        service('backend', { ready: 'silent' }),
        service('auth', { ready: 'pass', checks: DATABASE_CHECKS }),
        frontend(),
      ],
      coldStarts: collector(
        failedColdStarts('backend', 3, {
          phase: 'services',
          component: 'chat',
          code: 'TypeError',
          domain: 'application',
          layer: 'application',
          message: "Cannot read properties of undefined (reading 'id')",
        }),
      ),
    }),
  },
  {
    name: 'slow-connector-and-full-database',
    description: 'two at once: every slot taken (53300) and the connector slow for the instance that got in',
    expected: [fault('infrastructure', 'postgres-capacity'), fault('infrastructure', 'connector')],
    input: input({
      services: [
        service('backend', {
          ready: 'pass',
          checks: DATABASE_CHECKS,
          admissionMs: 2_600,
          probe: probeBody({ authMs: 2_600, available: 0 }),
        }),
        authOnFullDatabase(),
        frontend(),
      ],
      coldStarts: collector(
        failedColdStarts(
          'backend',
          2,
          databaseAttempt('PG_ERR_TOO_MANY_CONNECTIONS', 'infrastructure', 'postgres-capacity'),
        ),
      ),
      capacity: capacity(0),
    }),
  },
  {
    name: 'killed-auth-and-wrong-password',
    description: 'two at once: auth killed under tarmac up, and the backend configured with a wrong password',
    expected: [fault('application', 'process'), fault('configuration', 'postgres-auth')],
    input: input({
      services: [service('backend', { ready: 'silent' }), service('auth', { ready: 'silent' }), frontend()],
      coldStarts: collector(
        failedColdStarts(
          'backend',
          1,
          databaseAttempt('PG_ERR_AUTH_FAILED', 'configuration', 'postgres-auth'),
        ),
      ),
      supervisor: supervisor({ auth: { signal: 'SIGKILL', down: true }, frontend: {} }),
    }),
  },
]
