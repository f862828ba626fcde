import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createFrontendApp } from '../src/app.js'
import { loadFrontendConfig } from '../src/options.js'
import type { StatusBoard } from '../src/status-types.js'
import { createPublicDir, startUpstream } from './support.js'

type Upstream = Awaited<ReturnType<typeof startUpstream>>

describe('several backends (BACKEND_URLS), balanced by undici', () => {
  const site = createPublicDir()
  const backends: Upstream[] = []
  let auth: Upstream
  let app: FastifyInstance
  let base: string

  beforeAll(async () => {
    backends.push(await startUpstream(), await startUpstream())
    auth = await startUpstream()
    const config = loadFrontendConfig({
      BACKEND_URLS: backends.map((b) => b.url).join(', '),
      AUTH_URL: auth.url,
      PUBLIC_DIR: site.dir,
      NODE_ENV: 'test',
    })
    app = await createFrontendApp({ config })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    base = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  })
  afterAll(async () => {
    await app?.close()
    for (const upstream of [...backends, auth]) await upstream?.app.close()
    site.remove()
  })

  it('spreads /api requests over every backend', async () => {
    const served: number[] = []
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`http://${base}/api/echo`)
      expect(response.status).toBe(200)
      served.push(((await response.json()) as { port: number }).port)
    }
    const portOf = (url: string) => Number(new URL(url).port)
    expect(served.filter((port) => port === portOf(backends[0]!.url))).toHaveLength(2)
    expect(served.filter((port) => port === portOf(backends[1]!.url))).toHaveLength(2)
  })

  it('tunnels two WebSockets to two different backends, subprotocols intact', async () => {
    const open = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`ws://${base}/ws`, ['tarmac.v1', 'bearer.token'])
        socket.once('open', () => resolve(socket))
        socket.once('error', reject)
      })
    const sockets = [await open(), await open()]
    try {
      expect(sockets.map((s) => s.protocol)).toEqual(['tarmac.v1', 'tarmac.v1'])
      expect(backends.map((b) => b.offeredProtocols)).toEqual([
        ['tarmac.v1', 'bearer.token'],
        ['tarmac.v1', 'bearer.token'],
      ])
    } finally {
      for (const socket of sockets) socket.close()
    }
  })

  it('shows every instance on the status board, and each one by name', async () => {
    const board = (await (await fetch(`http://${base}/status/services`)).json()) as StatusBoard
    expect(board.services.map((s) => [s.name, s.status])).toEqual([
      ['frontend', 'pass'],
      ['backend-1', 'pass'],
      ['backend-2', 'pass'],
      ['auth', 'pass'],
    ])
    expect((await fetch(`http://${base}/status/backend-2/health/ready`)).status).toBe(200)
    expect((await fetch(`http://${base}/status/backend/health/ready`)).status).toBe(200)
  })

  it('says which instance is down, and keeps serving through the other', async () => {
    await backends[1]!.app.close()
    await new Promise((resolve) => setTimeout(resolve, 1_100)) // the board caches for 1 s
    const board = (await (await fetch(`http://${base}/status/services`)).json()) as StatusBoard
    const second = board.services.find((s) => s.name === 'backend-2')!
    expect(second).toMatchObject({ status: 'fail', reachable: false })
    expect(second.fault?.evidence.join(' ')).toMatch(/TCP_REFUSED/)
    expect(board.services.find((s) => s.name === 'backend-1')?.status).toBe('pass')
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`http://${base}/api/echo`)).status)
    // A request that drew the dead one is a 503 naming the service; BalancedPool then steers to the live one.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4)
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true)
  })
})

describe('BACKEND_URLS', () => {
  it('keeps the single BACKEND_URL contract, and names every bad URL', () => {
    expect(loadFrontendConfig({}).BACKEND_URLS).toBeUndefined()
    expect(loadFrontendConfig({ BACKEND_URLS: 'http://a:1, http://b:2' }).BACKEND_URLS).toEqual([
      'http://a:1',
      'http://b:2',
    ])
    expect(() => loadFrontendConfig({ BACKEND_URLS: 'http://a:1,ftp://b' })).toThrow(
      expect.objectContaining({ code: 'SERVICE_ERR_INVALID_CONFIG' }),
    )
  })
})
