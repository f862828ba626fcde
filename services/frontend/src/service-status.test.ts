import { describe, expect, it } from 'vitest'
import type { HealthGet } from './service-status.js'
import { readServiceStatus } from './service-status.js'

/** Health documents as a service would answer them; the transport is not what is under test here. */
const answering =
  (docs: Record<string, unknown>): HealthGet =>
  async (path) => ({ statusCode: 200, body: docs[path] ?? null, latencyMs: 1.234 })

const report = (state: string, component: Record<string, unknown>) => ({
  state,
  phase: component.phase,
  failure:
    state === 'failed'
      ? { phase: 'database', component: 'postgres', code: 'STARTUP_ERR_CRITICAL_FAILED' }
      : null,
  report: {
    durationMs: 1500,
    phases: [
      {
        name: 'init',
        state: 'completed',
        durationMs: 10,
        components: [{ name: 'http', state: 'started', attempts: 1, errors: [] }],
      },
      {
        name: 'database',
        state: state === 'failed' ? 'failed' : 'running',
        durationMs: 1490,
        components: [component],
      },
    ],
  },
})

describe('readServiceStatus', () => {
  it('calls a startup that failed on a wrong password a configuration fault of postgres-auth', async () => {
    const status = await readServiceStatus(
      'backend',
      answering({
        '/health/startup': report('failed', {
          name: 'postgres',
          phase: 'database',
          state: 'failed',
          attempts: 1,
          errors: [{ attempt: 1, code: 'PG_ERR_AUTH_FAILED', message: 'password authentication failed' }],
        }),
        '/health/ready': { status: 'fail', output: 'HEALTH_ERR_STARTUP_FAILED: startup failed', checks: {} },
      }),
    )
    expect(status).toMatchObject({
      status: 'fail',
      state: 'failed',
      readyLatencyMs: 1.2,
      fault: {
        domain: 'configuration',
        layer: 'postgres-auth',
        code: 'PG_ERR_AUTH_FAILED',
        component: 'postgres',
      },
    })
    expect(status.phases.map((p) => [p.name, p.durationMs])).toEqual([
      ['init', 10],
      ['database', 1490],
    ])
  })

  it('shows a service still starting without a fault, with its phase', async () => {
    const status = await readServiceStatus(
      'backend',
      answering({
        '/health/startup': report('starting', {
          name: 'postgres',
          phase: 'database',
          state: 'starting',
          attempts: 1,
          errors: [],
        }),
        '/health/ready': {
          status: 'fail',
          output: 'HEALTH_ERR_STARTING: the service is starting',
          checks: {},
        },
      }),
    )
    expect(status).toMatchObject({ status: 'fail', state: 'starting', phase: 'database', fault: null })
  })

  it('reads a service that answers, whose dependencies pass, and that is shutting down as its process stopping', async () => {
    const status = await readServiceStatus(
      'auth',
      answering({
        '/health/startup': { state: 'started', report: { phases: [] } },
        '/health/ready': {
          status: 'fail',
          output: 'HEALTH_ERR_SHUTTING_DOWN: the service is shutting down',
          checks: {},
        },
        '/health/infrastructure': {
          status: 'pass',
          checks: { 'postgres:responseTime': [{ status: 'pass', observedValue: 2, observedUnit: 'ms' }] },
        },
      }),
    )
    expect(status.fault).toMatchObject({
      domain: 'infrastructure',
      layer: 'process',
      code: 'HEALTH_ERR_SHUTTING_DOWN',
    })
    expect(status.checks[0]).toMatchObject({
      name: 'postgres:responseTime',
      observedValue: 2,
      observedUnit: 'ms',
    })
  })

  it('never guesses for a service that does not answer: unknown, with what was seen and its last exit', async () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
      name: 'TimeoutError',
    })
    const silent = await readServiceStatus('backend', async () => ({ error: timeout, latencyMs: 2000 }))
    expect(silent).toMatchObject({
      reachable: false,
      state: 'unreachable',
      fault: { domain: 'unknown', layer: 'unknown', code: 'TIMEOUT' },
    })
    expect(silent.fault!.evidence).toEqual([
      expect.stringContaining('no HTTP answer from /health/ready: TIMEOUT'),
      'no cold start recorded for it in the last 15 minutes',
    ])
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const crashed = await readServiceStatus('backend', async () => ({ error: refused, latencyMs: 1 }), {
      outcome: 'failed',
      at: '2026-11-29T12:00:00.000Z',
      phase: 'database',
      component: 'postgres',
      code: 'PG_ERR_AUTH_FAILED',
      domain: 'configuration',
      layer: 'postgres-auth',
    })
    expect(crashed.fault).toMatchObject({ domain: 'unknown', code: 'TCP_REFUSED' })
    expect(crashed.fault!.evidence[1]).toBe(
      'last recorded cold start: exit 3 at 2026-11-29T12:00:00.000Z in phase database, component postgres: PG_ERR_AUTH_FAILED [configuration/postgres-auth]',
    )
  })

  it("reads a platform's bare 503 (no health document) as unknown, not as the application's fault", async () => {
    const status = await readServiceStatus('backend', async () => ({
      statusCode: 503,
      body: null,
      latencyMs: 3,
      server: 'Google Frontend',
    }))
    expect(status.fault).toMatchObject({ domain: 'unknown', code: 'HTTP_503' })
    expect(status.fault!.evidence[0]).toContain('no application/health+json body (server: Google Frontend)')
  })

  it('trusts the domain and layer a service annotated on its failing check', async () => {
    const status = await readServiceStatus(
      'backend',
      answering({
        '/health/startup': { state: 'started', report: { phases: [] } },
        '/health/ready': { status: 'fail', checks: {} },
        '/health/infrastructure': {
          status: 'fail',
          checks: {
            'postgres:responseTime': [
              {
                status: 'fail',
                code: 'HEALTH_ERR_CHECK_TIMEOUT',
                domain: 'infrastructure',
                layer: 'postgres-availability',
              },
            ],
          },
        },
      }),
    )
    expect(status.fault).toMatchObject({
      domain: 'infrastructure',
      layer: 'postgres-availability',
      code: 'HEALTH_ERR_CHECK_TIMEOUT',
    })
  })
})
