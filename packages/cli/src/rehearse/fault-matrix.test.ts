import { describe, expect, it } from 'vitest'
import { MATRIX } from './fault-matrix.js'
import { judgeScenario, MATRIX_TARGET_SHARE, renderMatrix, runMatrix } from './matrix-run.js'
import { SCENARIOS } from './scenarios.js'

// The labelled fault matrix through the diagnosis model (diagnosisOf), on the evidence each scenario carries.
describe('the labelled fault matrix', () => {
  const report = runMatrix()

  it('holds at least 20 faulted scenarios, some with two faults at once, and fault-free controls', () => {
    expect(report.faulted).toBeGreaterThanOrEqual(20)
    expect(MATRIX.filter((scenario) => scenario.expected.length >= 2).length).toBeGreaterThanOrEqual(2)
    expect(report.controls).toBeGreaterThanOrEqual(1)
    expect(new Set(MATRIX.map((scenario) => scenario.name)).size).toBe(MATRIX.length)
  })

  it(`names at least ${MATRIX_TARGET_SHARE * 100} % right, and never calls a faulted scenario healthy`, () => {
    const missed = report.results.filter((result) => !result.named)
    expect(report.share, renderMatrix(report)).toBeGreaterThanOrEqual(MATRIX_TARGET_SHARE)
    expect(report.healthyOnFault).toBe(0)
    expect(report.controlsHealthy).toBe(report.controls)
    expect(report.passed).toBe(true)
    expect(missed.length).toBeLessThanOrEqual(
      report.faulted - Math.ceil(report.faulted * MATRIX_TARGET_SHARE),
    )
  })

  it('never names a fault by a tie: every faulted verdict outweighs the next candidate', () => {
    const ties = report.results.filter((result) => result.expected[0] !== 'healthy' && result.margin <= 0)
    expect(ties.map((result) => result.scenario)).toEqual([])
  })

  it('names two simultaneous faults in order of weight', () => {
    for (const name of ['slow-connector-and-full-database', 'killed-auth-and-wrong-password']) {
      const scenario = MATRIX.find((candidate) => candidate.name === name)!
      const result = judgeScenario(scenario)
      expect(result.verdict.label, name).toBe(result.expected[0])
      expect(result.runnersUp[0], name).toBe(result.expected[1])
      expect(result.named).toBe(true)
    }
  })

  it('marks the scenarios tarmac rehearse injects for real by their rehearsal names', () => {
    const rehearsed = MATRIX.flatMap((scenario) => (scenario.rehearsed ? [scenario] : []))
    expect(rehearsed.map((scenario) => scenario.rehearsed).sort()).toEqual(
      SCENARIOS.map((scenario) => scenario.name).sort(),
    )
    for (const scenario of rehearsed) {
      const real = SCENARIOS.find((candidate) => candidate.name === scenario.rehearsed)!
      expect(scenario.expected[0], scenario.name).toEqual(real.expected)
    }
  })

  it('prints a confusion table and the share', () => {
    const text = renderMatrix(report)
    expect(text).toMatch(/Confusion table/)
    expect(text).toMatch(
      /\d+\/\d+ faulted scenarios named right \(\d+\.\d %, target 95 %\); 0 healthy verdicts/,
    )
  })
})
