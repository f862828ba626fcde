import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { createStartup, runMain, type StartupReport } from './index.js'

/** A stand-in for a fault model's `annotate`: codes it knows get a domain and layer. */
const classify = (error: unknown) => {
  let current = error as { code?: string; cause?: unknown } | undefined
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.code === 'DB_FULL') return { domain: 'infrastructure', layer: 'postgres-capacity' }
    current = current.cause as typeof current
  }
  return {}
}
const dbFull = () =>
  Object.assign(new Error('sorry, too many clients already'), {
    code: 'DB_FULL',
    evidence: { sqlState: '53300', timingsMs: { dns: 0.2, tcp: 1.5 } },
  })

describe('the startup report carries its evidence', () => {
  it('classifies every failed attempt and the failure, keeps evidence and the effective timeout', async () => {
    const startup = createStartup({ name: 'svc', phases: ['database'], classify, deadlineMs: 60_000 })
    startup.add({
      name: 'postgres',
      phase: 'database',
      timeoutMs: 1_234,
      retry: { maxAttempts: 2, baseMs: 1, capMs: 1 },
      start: () => Promise.reject(dbFull()),
    })
    await expect(startup.run()).rejects.toMatchObject({ code: 'STARTUP_ERR_CRITICAL_FAILED' })
    const report = startup.report()
    const component = report.phases[0]!.components[0]!
    expect(component.timeoutMs).toBe(1_234)
    expect(component.errors).toHaveLength(2)
    expect(component.errors[0]).toMatchObject({
      code: 'DB_FULL',
      domain: 'infrastructure',
      layer: 'postgres-capacity',
      evidence: { sqlState: '53300', timingsMs: { dns: 0.2, tcp: 1.5 } },
    })
    expect(report.failure).toMatchObject({
      code: 'DB_FULL',
      domain: 'infrastructure',
      layer: 'postgres-capacity',
    })
  })

  it('an unknown code is recorded without a domain rather than with a guess', async () => {
    const startup = createStartup({ name: 'svc', phases: ['a'], classify })
    startup.add({ name: 'x', phase: 'a', start: () => Promise.reject(new Error('boom')) })
    await expect(startup.run()).rejects.toBeDefined()
    expect(startup.report().failure).not.toHaveProperty('domain')
    expect(startup.report().phases[0]!.components[0]!.errors[0]).not.toHaveProperty('domain')
  })

  it('runMain prints the domain and layer, and runs beforeExit (bounded) before exit 3', async () => {
    const exits: number[] = []
    let stderr = ''
    let sent: StartupReport | undefined
    const startup = createStartup({ name: 'svc', phases: ['database'], classify })
    startup.add({ name: 'postgres', phase: 'database', start: () => Promise.reject(dbFull()) })
    await runMain(startup, {
      process: new EventEmitter() as unknown as NodeJS.Process,
      exit: (code) => void exits.push(code),
      stderr: { write: (text: string) => (stderr += text) },
      beforeExit: (report) => {
        expect(exits).toEqual([]) // still alive: the report goes out before the exit
        sent = report
      },
    })
    expect(stderr.split('\n')[0]).toBe(
      'svc: startup failed in phase "database", component "postgres": DB_FULL [infrastructure/postgres-capacity] — sorry, too many clients already',
    )
    expect(sent?.failure?.layer).toBe('postgres-capacity')
    expect(exits).toEqual([3])

    // A beforeExit that never settles does not keep the process from exiting: its bound fires, then exit 3.
    const hanging = createStartup({ name: 'svc', phases: ['a'] })
    hanging.add({ name: 'x', phase: 'a', start: () => Promise.reject(new Error('no')) })
    let beforeExitCalled = false
    await runMain(hanging, {
      process: new EventEmitter() as unknown as NodeJS.Process,
      exit: (code) => void exits.push(code),
      stderr: { write: () => true },
      beforeExit: () => ((beforeExitCalled = true), new Promise(() => undefined)),
      beforeExitTimeoutMs: 50,
    })
    expect(beforeExitCalled).toBe(true)
    expect(exits).toEqual([3, 3])
  })
})
