import { afterEach, describe, expect, it } from 'vitest'
import {
  Cleanup,
  connectTo,
  openSocket,
  roundTrip,
  sleep,
  startConnector,
  startEchoServer,
  until,
} from './support.js'

// Real sockets and real time: lower bounds are tight (a delay is never cut short); instead of upper bounds, which
// depend on the machine's load, the tests assert order and counts (waves, peaks, who finished first).
const cleanup = new Cleanup()
afterEach(() => cleanup.run())

describe('establishment delay', () => {
  it('holds the client bytes until the delay has passed, then reaches the upstream', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port, { establishDelayMs: 300 })
    const client = await connectTo(cleanup, port)
    const outcome = roundTrip(client, 'hello')
    await sleep(100)
    expect(echo.accepted()).toBe(0)
    expect(connector.stats()).toMatchObject({ establishing: 1, open: 0 })
    const result = await outcome
    expect(result.kind).toBe('echoed')
    if (result.kind !== 'echoed') return
    expect(result.elapsedMs).toBeGreaterThanOrEqual(280)
    const stats = connector.stats()
    expect(stats).toMatchObject({
      accepted: 1,
      establishedTotal: 1,
      open: 1,
      establishing: 0,
      bytesIn: 5,
      bytesOut: 5,
    })
    expect(stats.establishMs.p50).toBeGreaterThanOrEqual(280)
  })

  it('draws each delay uniformly from { minMs, maxMs } with the injected random source', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port, {
      establishDelayMs: { minMs: 100, maxMs: 500 },
      random: () => 0.5,
    })
    const result = await roundTrip(await connectTo(cleanup, port), 'x')
    expect(result.kind).toBe('echoed')
    expect(connector.stats().establishMs.p50).toBeGreaterThanOrEqual(280)
  })
})

describe('capacity', () => {
  it('establishes 6 clients in three FIFO waves when capacity is 2', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port, {
      establishDelayMs: 300,
      capacity: 2,
    })
    const established: { id: number; atMs: number }[] = []
    connector.on('established', ({ id }) => established.push({ id, atMs: performance.now() }))
    const clients = []
    for (let i = 0; i < 6; i++) clients.push(await connectTo(cleanup, port))
    const outcomes = await Promise.all(clients.map((client, i) => roundTrip(client, `client ${i}`)))
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(6).fill('echoed'))
    expect(established.map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6])
    // Each client from the third on got the slot the one two places ahead freed, then paid its own 300 ms: at
    // least 300 ms after that one (timer granularity aside). Measured between establishments, so a slow
    // sequence of connects on a loaded machine cannot make it fail.
    for (let index = 2; index < 6; index++)
      expect(established[index]!.atMs - established[index - 2]!.atMs).toBeGreaterThanOrEqual(280)
    // Never more than two at once: three waves of two, not six at once or one at a time.
    const stats = connector.stats()
    expect(stats.peakEstablishing).toBe(2)
    expect(stats.queueWaitMs.samples).toBe(6)
    expect(echo.accepted()).toBe(6)
  })

  it('refuses connections beyond maxQueue', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port, {
      establishDelayMs: 2000,
      capacity: 1,
      maxQueue: 1,
    })
    await connectTo(cleanup, port)
    await connectTo(cleanup, port)
    expect(await roundTrip(openSocket(cleanup, port), 'x')).toEqual({ kind: 'reset' })
    expect(connector.stats()).toMatchObject({ refusedBy: { queueFull: 1 }, queued: 1, establishing: 1 })
  })
})

describe('scale-up', () => {
  it('raises capacity from 1 to 4 after afterMs, so later connections establish in parallel', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port, {
      establishDelayMs: 1000,
      capacity: 1,
      scaleUp: { toCapacity: 4, afterMs: 200 },
    })
    const established: { id: number; atMs: number }[] = []
    connector.on('established', ({ id }) => established.push({ id, atMs: performance.now() }))
    const beforeConnectsMs = performance.now()
    const clients = []
    for (let i = 0; i < 5; i++) clients.push(await connectTo(cleanup, port))
    const outcomes = await Promise.all(clients.map((client) => roundTrip(client, 'x')))
    expect(outcomes.every((outcome) => outcome.kind === 'echoed')).toBe(true)
    const stats = connector.stats()
    expect(stats.capacity).toBe(4)
    // Clients 2–4 got their slots when capacity grew, while client 1 (1 000 ms) was still establishing — four
    // at once — not one by one after it; and not before the scale-up: afterMs plus their own delay after the
    // first connect (a lower bound from before every connect, so slow connects cannot make it fail).
    expect(stats.peakEstablishing).toBe(4)
    const scaled = established.filter((event) => event.id >= 2 && event.id <= 4)
    expect(scaled).toHaveLength(3)
    for (const { atMs } of scaled) expect(atMs - beforeConnectsMs).toBeGreaterThanOrEqual(200 + 1000 - 20)
  })
})

describe('accept loop', () => {
  it('accepts and establishes a second connection while the first is stuck in a 5 s delay', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port, {
      establishDelayMs: 5000,
      capacity: 2,
    })
    const stuck = await connectTo(cleanup, port)
    const stuckOutcome = roundTrip(stuck, 'stuck')
    await until(() => connector.stats().establishing === 1)
    connector.update({ establishDelayMs: 0 })
    let stuckDone = false
    void stuckOutcome.finally(() => (stuckDone = true))
    const prompt = await roundTrip(await connectTo(cleanup, port), 'prompt')
    expect(prompt.kind).toBe('echoed')
    // Order, not a time: the second connection went all the way round while the first was still establishing.
    expect(stuckDone).toBe(false)
    expect(connector.stats()).toMatchObject({ establishing: 1, open: 1 })
    expect(echo.accepted()).toBe(1)
  })
})
