import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHealthRegistry, healthPlugin } from '@tarmac/health'
import { createStartup } from '@tarmac/startup'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { WebSocketServer } from 'ws'

/** A built app in a temporary directory: an index.html and one hashed asset. */
export function createPublicDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-frontend-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>',
  )
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("app")')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * A stand-in for backend or auth on a real port: a real startup engine and the real `@tarmac/health` plugin,
 * `/api/echo` and `/auth/echo` routes that return what they received, and a WebSocket at `/ws` that echoes
 * frames, reports the subprotocols it was offered and closes with 4401 when asked.
 */
export async function startUpstream(options: { failingDependency?: boolean } = {}): Promise<{
  app: FastifyInstance
  url: string
  offeredProtocols: string[]
  /** The headers of every WebSocket upgrade it received. */
  upgrades: IncomingHttpHeaders[]
}> {
  const startup = createStartup({ name: 'upstream', phases: ['init', 'database'] })
  startup.add({ name: 'config', phase: 'init', start: () => true })
  startup.add({ name: 'postgres', phase: 'database', start: () => true })
  await startup.run()
  const registry = createHealthRegistry()
  registry.add({
    name: 'postgres:connect',
    componentType: 'datastore',
    run: () =>
      options.failingDependency
        ? Promise.reject(
            Object.assign(new Error('connect to db.internal.example:5432 timed out'), {
              code: 'PG_ERR_TIMEOUT',
            }),
          )
        : { observedValue: 3.2, observedUnit: 'ms' },
  })
  // A figure and a URL, as the real backend's pool and provider checks report them (details, never public).
  registry.add({
    name: 'pool:utilization',
    componentType: 'datastore',
    critical: false,
    run: () => ({ observedValue: 7, observedUnit: 'connections' }),
  })
  registry.add({
    name: 'provider:endpoint',
    componentType: 'component',
    critical: false,
    run: () => ({ observedValue: 'https://llm.internal.example/v1', output: 'answers from the provider' }),
  })
  const app = Fastify({ logger: false })
  await app.register(healthPlugin, { registry, startup, serviceId: 'upstream' })
  app.addHook('onClose', async () => registry.close())
  const echo = async (request: { headers: object; url: string; body?: unknown }) => ({
    url: request.url,
    headers: request.headers,
    body: request.body ?? null,
    // Which stand-in answered: the Host header says what the proxy asked for, not who served it.
    port: (app.server.address() as { port: number }).port,
  })
  app.all('/api/*', echo)
  app.all('/auth/*', echo)
  const offeredProtocols: string[] = []
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => {
      offeredProtocols.push(...protocols)
      return protocols.has('tarmac.v1') ? 'tarmac.v1' : false
    },
  })
  const upgrades: IncomingHttpHeaders[] = []
  app.server.on('upgrade', (request, socket, head) => {
    upgrades.push(request.headers)
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('message', (data) => {
        const text = Buffer.from(data as Buffer).toString('utf8')
        if (text === 'close-4401') ws.close(4401, 'unauthorized')
        else ws.send(text)
      })
    })
  })
  app.addHook('preClose', async () => {
    for (const client of wss.clients) client.terminate()
    wss.close()
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { app, url: `http://127.0.0.1:${port}`, offeredProtocols, upgrades }
}
