import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import type { MatrixReport } from '../src/rehearse/matrix-run.js'
import { captureIo } from './capture-io.js'

describe('tarmac rehearse --matrix', () => {
  it('prints the confusion table and the share named right, exit 0 at the target', async () => {
    const io = captureIo(tmpdir())
    expect(await main(['rehearse', '--matrix'], io)).toBe(0)
    expect(io.out()).toMatch(/Confusion table \(first expected fault against the verdict\)/)
    expect(io.out()).toMatch(
      /slow-connector-and-full-database +constructed +infrastructure\/postgres-capacity \+ infrastructure\/connector/,
    )
    expect(io.out()).toMatch(
      /faulted scenarios named right \(\d+\.\d %, target 95 %\); 0 healthy verdicts among them/,
    )
  })

  it('--json gives the report; --inject without --matrix is a usage error', async () => {
    const io = captureIo(tmpdir())
    expect(await main(['rehearse', '--matrix', '--json'], io)).toBe(0)
    const report = JSON.parse(io.out()) as MatrixReport
    expect(report).toMatchObject({ passed: true, healthyOnFault: 0 })
    expect(report.faulted).toBeGreaterThanOrEqual(20)
    expect(report.results.filter((result) => result.evidence === 'rehearsed')).toHaveLength(10)
    const usage = captureIo(tmpdir())
    expect(await main(['rehearse', 'slow-connector', '--inject'], usage)).toBe(2)
    expect(usage.err()).toMatch(/--inject goes with --matrix/)
  })
})
