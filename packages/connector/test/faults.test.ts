import { afterEach, describe, expect, it } from 'vitest'
import { getFreePort } from '@tarmac/testing'
import type { ConnectorError } from '../src/index.js'
import {
  Cleanup,
  connectTo,
  openSocket,
  roundTrip,
  seededRandom,
  sleep,
  startConnector,
  startEchoServer,
  until,
  waitForEnd,
} from './support.js'

const cleanup = new Cleanup()
afterEach(() => cleanup.run())

/** The draws below `ratio` that a seeded source makes, replayed: what the connector should pick. */
function expectedHits(seed: number, draws: number, ratio: number): boolean[] {
  const random = seededRandom(seed)
  return Array.from({ length: draws }, () => random() < ratio)
}

describe('refuseRatio', () => {
  it('resets the share of new connections the seeded source picks, before they reach the upstream', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port, {
      refuseRatio: 0.5,
      random: seededRandom(42),
    })
    const expected = expectedHits(42, 12, 0.5)
    const outcomes = []
    for (let i = 0; i < 12; i++) outcomes.push((await roundTrip(openSocket(cleanup, port), `c${i}`)).kind)
    expect(outcomes).toEqual(expected.map((refused) => (refused ? 'reset' : 'echoed')))
    const refusedCount = expected.filter(Boolean).length
    expect(refusedCount).toBeGreaterThan(0)
    expect(connector.stats()).toMatchObject({
      accepted: 12,
      refused: refusedCount,
      refusedBy: { ratio: refusedCount },
    })
    expect(echo.accepted()).toBe(12 - refusedCount)
  })
})

describe('resetRatio', () => {
  it('resets the share of established connections the seeded source picks, after resetAfterMs', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port, {
      resetRatio: 0.5,
      resetAfterMs: 50,
      random: seededRandom(7),
    })
    const expected = expectedHits(7, 8, 0.5)
    const ends = []
    for (let i = 0; i < 8; i++) {
      const client = await connectTo(cleanup, port)
      expect((await roundTrip(client, 'ping')).kind).toBe('echoed')
      ends.push(await waitForEnd(client, 400))
    }
    expect(ends).toEqual(expected.map((reset) => (reset ? 'reset' : 'alive')))
    expect(connector.stats().reset).toBe(expected.filter(Boolean).length)
  })
})

describe('down() and up()', () => {
  it('refuses new connections while down and accepts them again after up()', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port)
    const open = await connectTo(cleanup, port)
    expect((await roundTrip(open, 'before')).kind).toBe('echoed')
    connector.down()
    expect(connector.stats().isDown).toBe(true)
    expect(await roundTrip(openSocket(cleanup, port), 'while down')).toEqual({ kind: 'reset' })
    expect((await roundTrip(open, 'existing')).kind).toBe('echoed')
    connector.up()
    expect((await roundTrip(openSocket(cleanup, port), 'after')).kind).toBe('echoed')
    expect(connector.stats()).toMatchObject({ isDown: false, refusedBy: { down: 1 } })
    expect(echo.accepted()).toBe(2)
  })

  it('resets existing connections with resetOpen', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port)
    const open = await connectTo(cleanup, port)
    expect((await roundTrip(open, 'before')).kind).toBe('echoed')
    const ended = waitForEnd(open, 2000)
    connector.down({ resetOpen: true })
    expect(await ended).toBe('reset')
    expect(connector.stats().reset).toBe(1)
  })

  it('black-holes new connections while down and lets them through after up()', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port)
    connector.down({ blackhole: true })
    const client = await connectTo(cleanup, port)
    const outcome = roundTrip(client, 'into the void')
    await sleep(300)
    expect(connector.stats()).toMatchObject({ held: 1, queued: 0, establishedTotal: 0 })
    expect(echo.accepted()).toBe(0)
    connector.up()
    expect((await outcome).kind).toBe('echoed')
    expect(echo.receivedBytes()).toBe('into the void'.length)
  })
})

describe('hang-ups and upstream failures', () => {
  it('drops a client that hangs up while queued: it never dials the upstream', async () => {
    const echo = await startEchoServer(cleanup)
    const { connector, port } = await startConnector(cleanup, echo.port, {
      establishDelayMs: 400,
      capacity: 1,
    })
    const first = roundTrip(await connectTo(cleanup, port), 'first')
    const quitter = await connectTo(cleanup, port)
    quitter.write('never sent upstream')
    await until(() => connector.stats().queued === 1)
    quitter.destroy()
    await until(() => connector.stats().queued === 0)
    expect((await first).kind).toBe('echoed')
    await sleep(600)
    expect(echo.accepted()).toBe(1)
    const stats = connector.stats()
    expect(stats).toMatchObject({ abandoned: 1, establishedTotal: 1, establishing: 0, open: 1 })
    expect(stats.accepted - stats.closed).toBe(1)
  })

  it('resets the client and records CONNECTOR_ERR_UPSTREAM_UNREACHABLE when the upstream refuses', async () => {
    const deadPort = await getFreePort()
    const { connector, port } = await startConnector(cleanup, deadPort)
    const errors: ConnectorError[] = []
    connector.on('upstream-error', ({ error }) => errors.push(error))
    expect(await roundTrip(openSocket(cleanup, port), 'x')).toEqual({ kind: 'reset' })
    expect(errors.map((error) => error.code)).toEqual(['CONNECTOR_ERR_UPSTREAM_UNREACHABLE'])
    expect(connector.stats()).toMatchObject({ upstreamErrors: 1, establishedTotal: 0, establishing: 0 })
  })
})
