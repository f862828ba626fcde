import { afterEach, describe, expect, it } from 'vitest'
import { Cleanup, connectTo, roundTrip, startConnector, startEchoServer } from './support.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

describe('bandwidth', () => {
  it('paces 100 KiB at 50 KiB/s to about 2 s, in both directions', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port, {
      bandwidthBytesPerSecond: 50 * 1024,
    })
    // The same bytes at the same time through a connector four times as fast: under any load it finishes
    // first, which shows the rate sets the pace (an upper bound on elapsed time would depend on the load).
    const fast = await startConnector(cleanup, echo.port, { bandwidthBytesPerSecond: 200 * 1024 })
    const payload = Buffer.alloc(100 * 1024, 7)
    const finished: string[] = []
    const [outcome, fastOutcome] = await Promise.all([
      roundTrip(await connectTo(cleanup, port), payload).finally(() => finished.push('50 KiB/s')),
      roundTrip(await connectTo(cleanup, fast.port), payload).finally(() => finished.push('200 KiB/s')),
    ])
    expect(outcome.kind).toBe('echoed')
    expect(fastOutcome.kind).toBe('echoed')
    if (outcome.kind !== 'echoed') return
    // 100 KiB less the 5 KiB burst at 50 KiB/s: ≥ 1.9 s; the echo back runs alongside, paced the same.
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(1800)
    expect(finished).toEqual(['200 KiB/s', '50 KiB/s'])
    expect(connector.stats()).toMatchObject({ bytesIn: payload.length, bytesOut: payload.length })
  })
})
