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
    const payload = Buffer.alloc(100 * 1024, 7)
    const outcome = await roundTrip(await connectTo(cleanup, port), payload)
    expect(outcome.kind).toBe('echoed')
    if (outcome.kind !== 'echoed') return
    // 100 KiB less the 5 KiB burst at 50 KiB/s: ≥ 1.9 s; the echo back runs alongside, paced the same.
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(1800)
    expect(outcome.elapsedMs).toBeLessThan(5000)
    expect(connector.stats()).toMatchObject({ bytesIn: payload.length, bytesOut: payload.length })
  })
})
