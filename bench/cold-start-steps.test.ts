import { describe, expect, it } from 'vitest'
import type { ColdStart } from './cold-start/measure.js'
import { LOAD_STEP, READY_STEP, stepsOf } from './cold-start/steps.js'

const spawnedAtEpochMs = Date.parse('2026-12-07T17:00:00.000Z')

function sample(report: unknown, readyMs: number | null = 300): ColdStart {
  return {
    listeningMs: 200,
    readyMs,
    cpuMs: 320,
    cpuAtListeningMs: 250,
    spawnedAtEpochMs,
    report,
    exit: null,
    stderr: '',
  }
}

describe('stepsOf', () => {
  it('splits spawn → ready into load, phases with their components, and engine ready → first 200', () => {
    const report = {
      startedAt: new Date(spawnedAtEpochMs + 180).toISOString(),
      durationMs: 100,
      phases: [
        { name: 'init', durationMs: 30, components: [{ name: 'http', durationMs: 29 }] },
        { name: 'database', durationMs: 70, components: [{ name: 'postgres', durationMs: 69 }] },
      ],
    }
    expect(stepsOf(sample(report))).toEqual([
      { step: LOAD_STEP, depth: 0, ms: 180 },
      { step: 'phase init', depth: 0, ms: 30 },
      { step: 'init › http', depth: 1, ms: 29 },
      { step: 'phase database', depth: 0, ms: 70 },
      { step: 'database › postgres', depth: 1, ms: 69 },
      { step: READY_STEP, depth: 0, ms: 300 - 180 - 100 },
    ])
  })

  it('has none without a report (the floor, Postgres) or without ready', () => {
    expect(stepsOf(sample(null))).toBeNull()
    expect(stepsOf(sample({ startedAt: null, phases: [] }))).toBeNull()
    expect(stepsOf(sample({ startedAt: new Date().toISOString(), phases: [] }, null))).toBeNull()
  })
})
