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
  it('blames the application for a startup that failed on a wrong password', async () => {
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
      fault: { domain: 'application', code: 'PG_ERR_AUTH_FAILED', component: 'postgres' },
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

  it('blames the application when it answers, its dependencies pass, and it is still not ready', async () => {
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
    expect(status.fault).toMatchObject({ domain: 'application', code: 'HEALTH_ERR_SHUTTING_DOWN' })
    expect(status.checks[0]).toMatchObject({
      name: 'postgres:responseTime',
      observedValue: 2,
      observedUnit: 'ms',
    })
  })

  it('reads a timeout as an infrastructure fault of an unreachable service', async () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
      name: 'TimeoutError',
    })
    const status = await readServiceStatus('backend', async () => ({ error: timeout, latencyMs: 2000 }))
    expect(status).toMatchObject({
      reachable: false,
      state: 'unreachable',
      fault: { domain: 'infrastructure', code: 'TIMEOUT' },
    })
  })
})
