import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a fake health endpoint answers; tests change it while the server runs. */
export interface Answer {
  status: number
  body: unknown
  delayMs?: number
}

/** A real HTTP server on loopback answering each path from a table the test controls. */
export interface HealthServer {
  readonly url: string
  readonly port: number
  readonly answers: Map<string, Answer>
  readonly hits: Map<string, number>
  close(): Promise<void>
}

export async function startHealthServer(answers: Record<string, Answer>): Promise<HealthServer> {
  const table = new Map(Object.entries(answers))
  const hits = new Map<string, number>()
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const answer = table.get(path) ?? { status: 404, body: { code: 'NOT_FOUND' } }
    const send = () => {
      res.writeHead(answer.status, { 'content-type': 'application/health+json' })
      res.end(JSON.stringify(answer.body))
    }
    if (answer.delayMs) setTimeout(send, answer.delayMs)
    else send()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    answers: table,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** health+json bodies as packages/health serves them. */
export const docs = {
  pass: { status: 'pass', checks: {} },
  startupStarted: {
    status: 'pass',
    state: 'started',
    phase: null,
    checks: {},
    report: {
      state: 'started',
      phases: [
        { name: 'init', state: 'completed', durationMs: 12, components: [] },
        { name: 'database', state: 'completed', durationMs: 420, components: [] },
      ],
    },
  },
  startupStarting: {
    status: 'fail',
    state: 'starting',
    phase: 'database',
    output: 'HEALTH_ERR_STARTING: phase database, 1/3 components started',
    checks: {},
    report: {
      state: 'starting',
      phases: [
        { name: 'init', state: 'completed', durationMs: 12, components: [] },
        {
          name: 'database',
          state: 'running',
          durationMs: null,
          components: [
            {
              name: 'postgres',
              state: 'retrying',
              errors: [{ code: 'PG_ERR_CONNECT_TIMEOUT', message: 'timeout' }],
            },
          ],
        },
      ],
    },
  },
  readyPostgresDown: {
    status: 'fail',
    checks: {
      'postgres:responseTime': [
        { componentType: 'datastore', status: 'fail', code: 'TCP_REFUSED', output: 'connect ECONNREFUSED' },
      ],
      'startup:state': [{ componentType: 'system', status: 'pass', observedValue: 'started' }],
    },
  },
  readyAppBroken: {
    status: 'fail',
    checks: {
      'eventLoop:lag': [{ componentType: 'system', status: 'fail', code: 'HEALTH_ERR_EVENT_LOOP_LAG' }],
    },
  },
  /** `POST /health/probe/postgres` as a service answers it: one attempt per total connect time. */
  probe: (totalsMs: number[]) => ({
    probe: 'postgres',
    connects: totalsMs.length,
    ok: totalsMs.length,
    failed: 0,
    attempts: totalsMs.map((total) => ({
      ok: true,
      timingsMs: { dns: 0.1, tcp: 0.4, auth: total - 1, total },
    })),
  }),
  infrastructure: (connectMs: number) => ({
    status: 'pass',
    checks: {
      'postgres:connectionTime': [
        { componentType: 'datastore', status: 'pass', observedValue: connectMs, observedUnit: 'ms' },
      ],
    },
  }),
}
