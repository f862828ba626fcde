import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase, getFreePort, type TestDatabase } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { captureIo } from './capture-io.js'
import { docs, startHealthServer, type HealthServer } from './health-servers.js'

// Real HTTP servers answer as the services would (documents annotated with domain and layer); the database
// dependency is the real local PostgreSQL.
let db: TestDatabase
let healthy: HealthServer
let collector: HealthServer
let dir: string
let closedPort: number

const failedRecord = {
  service: 'backend',
  instance: 'backend-1:42',
  outcome: 'failed',
  sentAt: new Date().toISOString(),
  report: {
    state: 'failed',
    phases: [
      {
        name: 'database',
        components: [
          {
            name: 'postgres',
            errors: [{ code: 'PG_ERR_AUTH_FAILED', domain: 'configuration', layer: 'postgres-auth' }],
          },
        ],
      },
    ],
    failure: {
      phase: 'database',
      component: 'postgres',
      code: 'PG_ERR_AUTH_FAILED',
      message: 'password authentication failed for user "app"',
      domain: 'configuration',
      layer: 'postgres-auth',
    },
  },
}

beforeAll(async () => {
  db = await createTestDatabase('cli_diagnose')
  healthy = await startHealthServer({
    '/health/ready': { status: 200, body: docs.pass },
    '/health/startup': { status: 200, body: docs.startupStarted },
    '/health/infrastructure': { status: 200, body: docs.infrastructure(3) },
    '/health/probe/postgres': { status: 200, body: docs.probe([4, 5, 6]) },
  })
  collector = await startHealthServer({
    '/health/ready': { status: 200, body: docs.pass },
    '/startup-reports': { status: 200, body: { records: [failedRecord] } },
  })
  closedPort = await getFreePort()
  dir = mkdtempSync(join(tmpdir(), 'tarmac-diagnose-'))
})
afterAll(async () => {
  await healthy?.close()
  await collector?.close()
  await db?.drop()
})

const write = (name: string, yaml: string) => {
  writeFileSync(join(dir, name), yaml)
  return name
}

describe('tarmac diagnose', () => {
  it('says healthy (exit 0) when every service is ready and nothing points at a fault', async () => {
    const config = write(
      'healthy.yaml',
      `services:\n  backend: { url: '${healthy.url}' }\ndependencies:\n  postgres: { type: postgres, url: '${db.url}' }\n`,
    )
    const io = captureIo(dir)
    expect(await main(['diagnose', '-c', config], io)).toBe(0)
    expect(io.out()).toContain('HEALTHY')
    expect(io.out()).toMatch(/Ruled out\n/)
  })

  it('names the fault with its evidence when an instance died: --json, and a handoff for the owning team', async () => {
    const config = write(
      'broken.yaml',
      [
        'services:',
        `  backend: { url: 'http://127.0.0.1:${closedPort}' }`,
        `  frontend: { url: '${collector.url}' }`,
        'dependencies:',
        `  postgres: { type: postgres, url: '${db.url}' }`,
      ].join('\n'),
    )
    const io = captureIo(dir)
    expect(await main(['diagnose', '-c', config, '--json', '--handoff', 'handoff.md'], io)).toBe(1)
    const out = JSON.parse(io.out()) as {
      verdict: { status: string; domain: string; layer: string; confidence: string }
      evidence: { source: string; fact: string }[]
      ruledOut: string[]
    }
    expect(out.verdict).toMatchObject({ status: 'fault', domain: 'configuration', layer: 'postgres-auth' })
    expect(out.evidence.some((fact) => /no answer: TCP_REFUSED/.test(fact.fact))).toBe(true)
    expect(out.evidence.find((fact) => fact.source === 'frontend GET /startup-reports')!.fact).toMatch(
      /backend: 1 cold start exited 3 in phase database, component postgres: PG_ERR_AUTH_FAILED \[configuration\/postgres-auth\]/,
    )
    expect(out.ruledOut.some((line) => line.startsWith('postgres-capacity: '))).toBe(true)
    const handoff = readFileSync(join(dir, 'handoff.md'), 'utf8')
    for (const heading of [
      '# Handoff: configuration / postgres-auth',
      '## What fails',
      '## Since when',
      '## Measurements',
      '## Ruled out',
      '## What to do',
      '## What would change this verdict',
    ])
      expect(handoff).toContain(heading)
    expect(handoff).toContain('PG_ERR_AUTH_FAILED: fix the credentials or `pg_hba.conf`')
    expect(handoff).not.toMatch(/postgres:\/\/[^:\s/@]+:[^*@\s/][^@\s/]*@/) // never a password
  })

  it('reads every page of the collector: a failure behind 100 newer ready cold starts is still evidence', async () => {
    // A fleet-wide cold start: the newest 100 records are instances that came up, the one that exited 3 is older.
    const ready = { ...failedRecord, outcome: 'ready', report: { state: 'ready', phases: [], failure: null } }
    const cursors: (string | null)[] = []
    const pager = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://collector')
      res.writeHead(url.pathname === '/startup-reports' || url.pathname === '/health/ready' ? 200 : 404, {
        'content-type': 'application/json',
      })
      if (url.pathname === '/health/ready') return res.end(JSON.stringify(docs.pass))
      cursors.push(url.searchParams.get('cursor'))
      const first = url.searchParams.get('cursor') === null
      res.end(
        JSON.stringify(
          first
            ? { records: Array.from({ length: 100 }, () => ready), nextCursor: 'page-2' }
            : { records: [failedRecord], nextCursor: null },
        ),
      )
    })
    await new Promise<void>((resolve) => pager.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = pager.address() as AddressInfo
      const config = write(
        'paged.yaml',
        `services:\n  backend: { url: 'http://127.0.0.1:${closedPort}' }\n  frontend: { url: 'http://127.0.0.1:${port}' }\n`,
      )
      const io = captureIo(dir)
      await main(['diagnose', '-c', config, '--json'], io)
      const out = JSON.parse(io.out()) as { evidence: { source: string; fact: string }[] }
      expect(cursors).toContain('page-2')
      const facts = out.evidence.filter((fact) => fact.source === 'frontend GET /startup-reports')
      expect(facts.map((fact) => fact.fact)).toContainEqual(
        expect.stringMatching(
          /backend: 1 cold start exited 3 in phase database, component postgres: PG_ERR_AUTH_FAILED/,
        ),
      )
    } finally {
      await new Promise((resolve) => pager.close(resolve))
    }
  })

  it("calls a platform's 503 without a health document unknown, and shows who answered", async () => {
    // What a serverless platform answers while no instance is up: its own page, not the service's document.
    const platform = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html; charset=UTF-8', server: 'Google Frontend' })
      res.end('<html><body>Service Unavailable</body></html>')
    })
    await new Promise<void>((resolve) => platform.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = platform.address() as AddressInfo
      const config = write('platform.yaml', `services:\n  backend: { url: 'http://127.0.0.1:${port}' }\n`)
      const io = captureIo(dir)
      expect(await main(['diagnose', '-c', config, '--json'], io)).toBe(1)
      const out = JSON.parse(io.out()) as {
        verdict: { domain: string; layer: string }
        evidence: { source: string; fact: string }[]
        wouldChange: string[]
      }
      expect(out.verdict).toMatchObject({ domain: 'unknown', layer: 'unknown' })
      const ready = out.evidence.find((fact) => fact.source === 'backend /health/ready')!
      expect(ready.fact).toMatch(/^HTTP 503 without a health document after [\d.]+ ms/)
      expect(ready.fact).toContain('content-type: text/html; charset=UTF-8, server: Google Frontend')
      expect(out.wouldChange.join('\n')).toMatch(/cold-start collector/)
    } finally {
      platform.close()
    }
  })

  it('teaches with --help and refuses bad usage with 2', async () => {
    const help = captureIo(dir)
    expect(await main(['diagnose', '--help'], help)).toBe(0)
    expect(help.out()).toMatch(/Exit codes:\n {2}0 +healthy/)
    expect(await main(['diagnose', '--connects', 'many'], captureIo(dir))).toBe(2)
  })
})
