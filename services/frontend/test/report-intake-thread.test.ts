import Fastify from 'fastify'
import { installErrorHandler } from '@tarmac/service'
import { createColdStartLog } from '../src/cold-start-log.js'
import { faults } from '../src/faults.js'
import { registerColdStartRoutes } from '../src/cold-start-routes.js'
import { afterEach, describe, expect, it } from 'vitest'
import { createIntakeThread, type IntakeThread } from '../src/report-intake-thread.js'
import { maxSizeRecord } from './max-report.js'

const threads: IntakeThread[] = []
const started = (options?: Parameters<typeof createIntakeThread>[0]) => {
  const thread = createIntakeThread(options)
  threads.push(thread)
  return thread
}
afterEach(async () => {
  for (const thread of threads.splice(0)) await thread.close()
})

const body = (value: unknown) => Buffer.from(JSON.stringify(value))

/** An intake thread that exits when a body says "die", and otherwise accepts it. */
const DYING_WORKER = `
import { parentPort } from 'node:worker_threads'
parentPort.on('message', ({ id, body }) => {
  if (Buffer.from(body).toString() === 'die') process.exit(7)
  parentPort.postMessage({ id, outcome: { ok: true, service: 'fixture', facts: {}, json: '{}' } })
})`

describe('the report intake thread', () => {
  it('answers what the collector would: stored JSON and facts, 400 with details, 413 past the record bound', async () => {
    const thread = started()
    const accepted = await thread.intake(body(maxSizeRecord('backend')), 1_000, 64 * 1024)
    expect(accepted).toMatchObject({
      ok: true,
      service: 'backend',
      facts: { receivedAtMs: 1_000, outcome: 'failed' },
    })
    if (!accepted.ok) throw new Error('refused')
    expect(Buffer.byteLength(accepted.json)).toBeLessThanOrEqual(64 * 1024)
    expect(accepted.facts.bytes).toBe(Buffer.byteLength(accepted.json))

    const notJson = await thread.intake(Buffer.from('{"service":'), 1_000, 64 * 1024)
    expect(notJson).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' })
    const notReport = await thread.intake(body({ service: 'Backend!' }), 1_000, 64 * 1024)
    expect(notReport).toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
      details: expect.arrayContaining([]),
    })
    const tooBig = await thread.intake(body(maxSizeRecord('backend')), 1_000, 512)
    expect(tooBig).toMatchObject({ ok: false, code: 'STARTUP_REPORT_TOO_LARGE' })
  }, 60_000)

  it('fails only what the dead thread was reading, then starts a new one for the next body', async () => {
    const thread = started({ script: new URL(`data:text/javascript,${encodeURIComponent(DYING_WORKER)}`) })
    expect(await thread.intake(Buffer.from('{}'), 1_000, 1_024)).toMatchObject({ ok: true })
    await expect(thread.intake(Buffer.from('die'), 1_000, 1_024)).rejects.toThrow(
      /report intake thread exited \(7\)/,
    )
    expect(await thread.intake(Buffer.from('{}'), 1_000, 1_024)).toMatchObject({ ok: true })
  }, 60_000)

  it('fails a body it does not answer in time, and answers the next from a new thread', async () => {
    const thread = started({ timeoutMs: 1 })
    await expect(thread.intake(body(maxSizeRecord('backend')), 1_000, 64 * 1024)).rejects.toThrow(
      /did not answer/,
    )
    await thread.close()
    const patient = started()
    expect(await patient.intake(body(maxSizeRecord('backend')), 1_000, 64 * 1024)).toMatchObject({ ok: true })
  }, 60_000)
})

describe('POST /startup-reports when the intake thread fails', () => {
  it('answers 503 with a code and Retry-After, never a 5xx without one, and stores nothing', async () => {
    const app = Fastify()
    installErrorHandler(app, faults)
    const log = createColdStartLog()
    const failing: IntakeThread = {
      intake: () => Promise.reject(new Error('the report intake thread exited (1)')),
      close: async () => undefined,
    }
    registerColdStartRoutes(app, { log, reportToken: undefined, healthToken: undefined, intake: failing })
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/startup-reports',
        remoteAddress: '127.0.0.1',
        headers: { host: '127.0.0.1', 'content-type': 'application/json' },
        payload: JSON.stringify(maxSizeRecord('backend')),
      })
      expect(response.statusCode).toBe(503)
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0)
      expect(response.json()).toMatchObject({ code: 'STARTUP_REPORT_INTAKE_UNAVAILABLE' })
      expect(JSON.stringify(response.json())).not.toContain('exited')
      expect(log.services()).toEqual([])
    } finally {
      await app.close()
    }
  })
})
