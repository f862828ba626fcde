import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readSupervisorFacts, SupervisorFactsWriter } from './supervisor-facts.js'

describe("tarmac up's facts file", () => {
  it('records starts, exits with their signal or code, restarts; reads back while this process runs', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'up-facts-')), 'nested', 'up-facts.json')
    const writer = new SupervisorFactsWriter(path)
    await writer.started('backend', 'http://127.0.0.1:8000', 101)
    await writer.record({
      type: 'exited',
      name: 'backend',
      pid: 101,
      exit: { code: null, signal: 'SIGKILL' },
    })
    await writer.record({ type: 'restarting', name: 'backend', delayMs: 500, crashesInWindow: 1 })
    await writer.record({ type: 'restarted', name: 'backend', pid: 102, restarts: 1, tookMs: 900 })
    await writer.record({ type: 'exited', name: 'ghost', pid: 1, exit: { code: 1, signal: null } })
    const read = readSupervisorFacts(path)
    expect(read).toMatchObject({
      upRunning: true,
      facts: {
        version: 1,
        upPid: process.pid,
        services: {
          backend: {
            url: 'http://127.0.0.1:8000',
            pid: 102,
            restarts: 1,
            exits: [{ pid: 101, code: null, signal: 'SIGKILL' }],
          },
        },
      },
    })
    expect(Object.keys((read as { facts: { services: object } }).facts.services)).toEqual(['backend'])
    await writer.remove()
    expect(readSupervisorFacts(path)).toBeNull()
  })

  it('says why a file cannot be read, and that an up which no longer runs left history', () => {
    const dir = mkdtempSync(join(tmpdir(), 'up-facts-'))
    writeFileSync(join(dir, 'garbage.json'), '{ not json')
    expect(readSupervisorFacts(join(dir, 'garbage.json'))).toEqual({ unreadable: 'not JSON' })
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ version: 2, services: {} }))
    expect(readSupervisorFacts(join(dir, 'other.json'))).toMatchObject({ unreadable: /version 1/ })
    // A pid no process has (beyond pid_max): its up is gone.
    const stale = { version: 1, upPid: 2 ** 22 + 1, writtenAt: 'then', services: {} }
    writeFileSync(join(dir, 'stale.json'), JSON.stringify(stale))
    expect(readSupervisorFacts(join(dir, 'stale.json'))).toMatchObject({ upRunning: false })
    expect(readFileSync(join(dir, 'stale.json'), 'utf8')).toContain('"upPid"')
  })

  it('keeps writing after a failed write, and removing never throws', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'up-facts-'))
    writeFileSync(join(dir, 'file'), 'a file where a directory should be')
    const broken = new SupervisorFactsWriter(join(dir, 'file', 'up-facts.json'))
    await broken.started('auth', 'http://127.0.0.1:8001', 7)
    await broken.started('auth', 'http://127.0.0.1:8001', 8)
    await expect(broken.remove()).resolves.toBeUndefined()
  })
})
