import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnector, type Connector } from '@tarmac/connector'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { captureIo } from './capture-io.js'

// From outside alone: tarmac.yaml names one Postgres dependency and no services, and the only way to the database
// is through the connector model (@tarmac/connector: a slow, one-at-a-time establishment in front of the real
// Postgres). Every connect succeeds — slowly. That is the fault, not health.
let db: TestDatabase
let dir: string
const connectors: Connector[] = []

beforeAll(async () => {
  db = await createTestDatabase('cli_diagnose_slow')
  dir = mkdtempSync(join(tmpdir(), 'tarmac-diagnose-slow-'))
})
afterAll(async () => {
  await Promise.all(connectors.map((connector) => connector.close()))
  await db?.drop()
})

async function throughConnector(establishDelayMs: number): Promise<string> {
  const upstream = new URL(db.url)
  const connector = createConnector({
    upstream: { host: upstream.hostname, port: Number(upstream.port) },
    establishDelayMs,
    capacity: 1,
  })
  connectors.push(connector)
  const { url } = await connector.listen()
  return url(db.url)
}

interface DiagnoseJson {
  verdict: { status: string; domain: string; layer: string }
  supporting: { source: string; fact: string }[]
  wouldChange: string[]
}

async function diagnose(databaseUrl: string, ...extra: string[]) {
  const name = `slow-${connectors.length}.yaml`
  writeFileSync(join(dir, name), `dependencies:\n  postgres: { type: postgres, url: '${databaseUrl}' }\n`)
  const io = captureIo(dir)
  const code = await main(['diagnose', '-c', name, '--json', ...extra], io)
  return { code, out: JSON.parse(io.out()) as DiagnoseJson, err: io.err() }
}

describe('tarmac diagnose: slow is a fault, seen from outside alone', () => {
  it('names the connector when every connect takes 2.5 s, one at a time (budget 5 s)', async () => {
    const { code, out, err } = await diagnose(await throughConnector(2_500), '--connect-budget-ms', '5000')
    expect(out.verdict, err).toMatchObject({ status: 'fault', domain: 'infrastructure', layer: 'connector' })
    expect(code).toBe(1)
    const slow = out.supporting.find((fact) => /probes connected, slowly/.test(fact.fact))!
    // The evidence: the phase that ate the time, against the budget, the slow bound and the database's own time.
    expect(slow.fact).toMatch(/of it in the startup handshake/)
    expect(slow.fact).toMatch(/% of the 5,000 ms connect budget \(--connect-budget-ms\)/)
    expect(slow.fact).toMatch(/over the 1,000 ms slow bound/)
    expect(slow.fact).toMatch(/× the database's own round trip on an open connection/)
    expect(slow.fact).toMatch(/bypassing the connector/)
    expect(out.wouldChange.join('\n')).toMatch(/rule the connector out/)
  }, 120_000)

  it("the issue's case: 5 s per connect through the connector, default budget (db-connect's 30 s)", async () => {
    const { code, out, err } = await diagnose(await throughConnector(5_000), '--timeout-ms', '20000')
    expect(out.verdict, err).toMatchObject({ status: 'fault', domain: 'infrastructure', layer: 'connector' })
    expect(code).toBe(1)
    expect(out.supporting[0]!.fact).toMatch(/connect budget \(db-connect of the default criteria\)/)
  }, 180_000)

  it('stays healthy on the same database without the connector', async () => {
    const { code, out } = await diagnose(db.url)
    expect(out.verdict.status).toBe('healthy')
    expect(code).toBe(0)
  }, 60_000)
})
