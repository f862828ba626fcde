import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { getFreePort } from '@tarmac/testing'
import { httpGet } from './http-get.js'
import { fetchJwks } from './token-verifier.js'

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
})

/** A real HTTP server on a free port: `/jwks` a key set, `/moved` a redirect to it, `/missing` a 404. */
async function serve(): Promise<string> {
  const server = createServer((request, response) => {
    if (request.url === '/moved') return response.writeHead(302, { location: '/jwks' }).end()
    if (request.url !== '/jwks') return response.writeHead(404).end('no')
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(
      JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'x', kid: request.headers.accept }] }),
    )
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('httpGet and fetchJwks (node:http, real sockets)', () => {
  it('reads the body, sends the headers and follows a redirect', async () => {
    const base = await serve()
    const signal = AbortSignal.timeout(5_000)
    const direct = await httpGet(`${base}/jwks`, { signal, headers: { accept: 'application/json' } })
    expect(direct.status).toBe(200)
    expect(JSON.parse(direct.text)).toMatchObject({ keys: [{ kid: 'application/json' }] })
    const keys = await fetchJwks(`${base}/moved`, signal)
    expect(keys.keys[0]).toMatchObject({ kid: 'application/json' })
  })

  it('names the reason: a status, a refused connection', async () => {
    const base = await serve()
    const signal = AbortSignal.timeout(5_000)
    await expect(fetchJwks(`${base}/missing`, signal)).rejects.toMatchObject({
      code: 'BACKEND_ERR_JWKS_UNAVAILABLE',
      message: `auth JWKS at ${base}/missing answered HTTP 404`,
    })
    const closed = `http://127.0.0.1:${await getFreePort()}/jwks`
    await expect(fetchJwks(closed, signal)).rejects.toMatchObject({
      code: 'BACKEND_ERR_JWKS_UNAVAILABLE',
      message: `auth JWKS at ${closed} unreachable: ECONNREFUSED`,
    })
  })

  it("fetches the JWKS without the global fetch (loading it costs a cold start undici's whole load)", async () => {
    const base = await serve()
    vi.stubGlobal('fetch', () => {
      throw new Error('the global fetch was used')
    })
    try {
      const keys = await fetchJwks(`${base}/jwks`, AbortSignal.timeout(5_000))
      expect(keys.keys).toHaveLength(1)
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
