import { createServer } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFaultModel, defineFaults } from '@tarmac/faults'
import { createStartup, STARTUP_FAULTS } from './index.js'
import type { Component, StartupEvent } from './index.js'

// Fake clocks for the engine's backoff and deadlines; the sockets (a refused port) stay real, so only
// setTimeout and Date are faked and I/O still completes between steps.
beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }))
afterEach(() => vi.useRealTimers())

/** Settles `promise`, stepping fake time one second at a time with a real I/O turn in between. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let outcome: { value?: T; error?: unknown } | undefined
  void promise.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  )
  for (let step = 0; outcome === undefined; step++) {
    if (step > 600) throw new Error('did not settle within 600 fake seconds')
    await new Promise((resolve) => setImmediate(resolve))
    await vi.advanceTimersByTimeAsync(1_000)
  }
  return outcome
}

/** A port nothing listens on: bound, then closed. */
async function refusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** What the backend's bundle did: a dynamic import that gave no named export, then `new` on it. */
const wrongCode: Component<unknown> = {
  name: 'redis',
  phase: 'cache',
  retry: { maxAttempts: 10, baseMs: 250, capMs: 2_000 },
  start: () => {
    const { Redis } = { default: {} } as unknown as { Redis: new () => object }
    return new Redis()
  },
}

function startupWith(component: Component<unknown>, classify?: (error: unknown) => object) {
  const events: StartupEvent[] = []
  const startup = createStartup({
    name: 'svc',
    phases: ['cache'],
    deadlineMs: 120_000,
    ...(classify && { classify }),
  })
  startup.on((event) => events.push(event))
  startup.add(component)
  return { startup, events, types: () => events.map((event) => event.type) }
}

describe('a programming error while starting', () => {
  it('fails at once: one attempt, no retry scheduled, domain application in the report', async () => {
    const { startup, types } = startupWith(wrongCode)
    const { error } = await settle(startup.run())
    expect(error).toMatchObject({ code: 'STARTUP_ERR_CRITICAL_FAILED', cause: expect.any(TypeError) })
    expect(types()).not.toContain('component.retry.scheduled')
    expect(types().filter((type) => type === 'component.attempt.failed')).toHaveLength(1)
    const report = startup.report()
    const record = report.phases[0]!.components[0]!
    expect(record).toMatchObject({ state: 'failed', attempts: 1 })
    expect(record.errors).toEqual([
      expect.objectContaining({ attempt: 1, code: 'TypeError', domain: 'application', layer: 'application' }),
    ])
    expect(report.failure).toMatchObject({
      component: 'redis',
      code: 'TypeError',
      message: 'Redis is not a constructor',
      domain: 'application',
      layer: 'application',
    })
  })

  it("is not retried even when the component's retryable says so", async () => {
    const { startup, types } = startupWith({
      ...wrongCode,
      retry: { ...wrongCode.retry, retryable: () => true },
    })
    await settle(startup.run())
    expect(types()).not.toContain('component.retry.scheduled')
    expect(startup.report().phases[0]!.components[0]!.attempts).toBe(1)
  })

  it('leaves an optional component degraded without retrying it in the background', async () => {
    const { startup, types } = startupWith({
      ...wrongCode,
      critical: false,
      retry: { baseMs: 250, capMs: 2_000 },
    })
    const { value } = await settle(startup.run())
    expect(value?.state).toBe('degraded')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(startup.report().phases[0]!.components[0]!.attempts).toBe(1)
    expect(types()).not.toContain('component.retry.scheduled')
  })

  it("says application through the service's fault model too", async () => {
    const faults = createFaultModel(STARTUP_FAULTS)
    const { startup } = startupWith(wrongCode, faults.annotate)
    await settle(startup.run())
    expect(startup.report().failure).toMatchObject({ domain: 'application', layer: 'application' })
  })
})

describe('`TypeError: fetch failed` on a real refused port (the counter-case)', () => {
  const NET = defineFaults('test-net', {
    ECONNREFUSED: { domain: 'infrastructure', layer: 'tcp', meaning: 'refused', action: 'start it' },
  })

  it('is retried with backoff and judged by its cause, never application', async () => {
    const port = await refusedPort()
    const seen: unknown[] = []
    const { startup, types } = startupWith(
      {
        name: 'jwks',
        phase: 'cache',
        retry: { maxAttempts: 3, baseMs: 250, capMs: 2_000 },
        start: () =>
          fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`).catch((error: unknown) => {
            seen.push(error)
            throw error
          }),
      },
      createFaultModel(STARTUP_FAULTS, NET).annotate,
    )
    const { error } = await settle(startup.run())
    expect(error).toMatchObject({ code: 'STARTUP_ERR_CRITICAL_FAILED' })
    expect(seen[0]).toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    })
    expect(types().filter((type) => type === 'component.retry.scheduled')).toHaveLength(2)
    const record = startup.report().phases[0]!.components[0]!
    expect(record.attempts).toBe(3)
    for (const attempt of record.errors)
      expect(attempt).toMatchObject({ code: 'TypeError', domain: 'infrastructure', layer: 'tcp' })
    expect(startup.report().failure).toMatchObject({ domain: 'infrastructure', layer: 'tcp' })
  })

  it('is retried without a fault model too, and not called application', async () => {
    const port = await refusedPort()
    const { startup, types } = startupWith({
      name: 'jwks',
      phase: 'cache',
      retry: { maxAttempts: 2, baseMs: 250, capMs: 2_000 },
      start: () => fetch(`http://127.0.0.1:${port}/`),
    })
    await settle(startup.run())
    expect(types()).toContain('component.retry.scheduled')
    const record = startup.report().phases[0]!.components[0]!
    expect(record.attempts).toBe(2)
    expect(record.errors[0]).not.toHaveProperty('domain')
  })
})
