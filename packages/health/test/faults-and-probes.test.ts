import { createFaultModel, defineFaults } from '@tarmac/faults'
import { createHealthRegistry, HEALTH_FAULTS } from '@tarmac/health'
import type { HealthRegistry } from '@tarmac/health'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp, probe, until } from './support.js'

const DB = defineFaults('db', {
  DB_FULL: { domain: 'infrastructure', layer: 'postgres-capacity', meaning: 'no slots', action: 'wait' },
})
const faults = createFaultModel(HEALTH_FAULTS, DB)
const LOOPBACK = { remoteAddress: '127.0.0.1' }

let registry: HealthRegistry | undefined
let app: FastifyInstance | undefined
afterEach(async () => {
  registry?.close()
  await app?.close()
  registry = app = undefined
})

describe('failed checks carry their fault domain and layer', () => {
  it('from the error (through the fault model), else from what the check says it measures', async () => {
    registry = createHealthRegistry({ classify: faults.annotate })
    registry.add({
      name: 'db:capacity',
      critical: false,
      run: () => Promise.reject(Object.assign(new Error('sorry, too many clients'), { code: 'DB_FULL' })),
    })
    registry.add({
      name: 'db:responseTime',
      timeoutMs: 50,
      fault: { domain: 'infrastructure', layer: 'postgres-availability' },
      run: ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
    })
    registry.add({
      name: 'llm:ping',
      critical: false,
      run: () => Promise.reject(new Error('no code at all')),
    })
    app = await buildApp({ registry })
    await until(() =>
      registry!.evaluate().checks.every(({ result }) => result.code !== 'HEALTH_ERR_CHECK_PENDING'),
    )
    const { body } = await probe(app, '/health/infrastructure', LOOPBACK)
    expect(body.checks['db:capacity'][0]).toMatchObject({
      code: 'DB_FULL',
      domain: 'infrastructure',
      layer: 'postgres-capacity',
    })
    expect(body.checks['db:responseTime'][0]).toMatchObject({
      code: 'HEALTH_ERR_CHECK_TIMEOUT',
      domain: 'infrastructure',
      layer: 'postgres-availability',
    })
    // Nothing says whose fault an uncoded error is: no domain rather than a guess.
    expect(body.checks['llm:ping'][0]).toMatchObject({ code: 'HEALTH_ERR_CHECK_FAILED' })
    expect(body.checks['llm:ping'][0]).not.toHaveProperty('domain')
    // Without the token or loopback, codes and their judgement stay private.
    const remote = await probe(app, '/health/infrastructure')
    expect(remote.body.checks['db:capacity'][0]).not.toHaveProperty('domain')
  })
})

describe('in-service probes: POST /health/probe/:name', () => {
  it('runs a named probe with bounded parameters, for trusted callers only, one at a time', async () => {
    registry = createHealthRegistry()
    let release: () => void = () => undefined
    const seen: { connects: number; timeoutMs: number }[] = []
    app = await buildApp({
      registry,
      token: 'probe-token-0123456789',
      probes: {
        postgres: async ({ connects, timeoutMs }) => {
          seen.push({ connects, timeoutMs })
          await new Promise<void>((resolve) => (release = resolve))
          return { ok: connects, failed: 0 }
        },
      },
    })
    const auth = { authorization: 'Bearer probe-token-0123456789' }
    const post = (url: string, headers: Record<string, string> = auth) =>
      app!.inject({ method: 'POST', url, headers })

    expect((await post('/health/probe/postgres', {})).statusCode).toBe(401)
    expect((await post('/health/probe/redis')).json()).toMatchObject({ code: 'HEALTH_ERR_UNKNOWN_COMPONENT' })
    expect((await post('/health/probe/postgres?connects=500')).json()).toMatchObject({
      code: 'VALIDATION_FAILED',
    })

    const first = post('/health/probe/postgres?connects=3&timeoutMs=2000')
    await until(() => seen.length === 1)
    const busy = await post('/health/probe/postgres')
    expect(busy.statusCode).toBe(429)
    expect(busy.json()).toMatchObject({ code: 'HEALTH_ERR_PROBE_BUSY' })
    release()
    const answer = await first
    expect(answer.statusCode).toBe(200)
    expect(answer.json()).toEqual({ probe: 'postgres', ok: 3, failed: 0 })
    expect(seen).toEqual([{ connects: 3, timeoutMs: 2000 }])
  })
})
