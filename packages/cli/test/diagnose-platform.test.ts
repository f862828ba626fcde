import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { captureIo } from './capture-io.js'
import { docs, startHealthServer, type HealthServer } from './health-servers.js'
import {
  BACKEND_REVISION,
  CONNECTOR,
  ROOT,
  RELEASE,
  answers,
  setEnv,
  type ConnectorJson,
  type RevisionJson,
} from './platform-fixtures.js'

// `tarmac diagnose --platform DIR`: the services answer over real HTTP (a backend whose fresh connects from inside
// are slow while the real database answers promptly from here — the connector's signature), and the platform's
// settings come from recorded answers in which the connector was left at 3 instances and the backend's revision
// carries the old 8 s timeout.
let db: TestDatabase
let backend: HealthServer
const platform = answers()
let config: string
let bare: string

interface Verdict {
  verdict: { domain: string; layer: string; score: number }
  evidence: { source: string; fact: string; points?: { domain: string; layer: string } }[]
  supporting: { source: string; fact: string }[]
  wouldChange: string[]
}

/** `POST /health/probe/postgres` as a service answers it, with the per-step percentiles diagnose reads. */
const slowProbe = (totalsMs: number[]) => ({
  ...docs.probe(totalsMs),
  stepsMs: {
    dns: { p50: 0.1, p95: 0.1 },
    tcp: { p50: 0.4, p95: 0.4 },
    auth: { p50: totalsMs[1]! - 1, p95: totalsMs[2]! - 1 },
    total: { p50: totalsMs[1]!, p95: totalsMs[2]! },
  },
})

beforeAll(async () => {
  db = await createTestDatabase('cli_diagnose_platform')
  backend = await startHealthServer({
    '/health/ready': { status: 200, body: docs.pass },
    '/health/startup': { status: 200, body: docs.startupStarted },
    '/health/infrastructure': { status: 200, body: docs.infrastructure(3) },
    // Three fresh connects from inside, each waiting 2.4–2.8 s for the server's first answer.
    '/health/probe/postgres': { status: 200, body: slowProbe([2400, 2600, 2800]) },
  })
  platform.edit<ConnectorJson>(CONNECTOR, (connector) => {
    Object.assign(connector, { maxInstances: 3, maxThroughput: 300 })
  })
  platform.edit<RevisionJson>(BACKEND_REVISION, (revision) => {
    setEnv(revision.spec.containers[0]!, 'DB_CONNECT_TIMEOUT_MS', '8000')
  })
  // The committed plan, with the services and the database diagnose looks at.
  const services = [
    'services:',
    `  backend: { url: '${backend.url}' }`,
    'dependencies:',
    `  postgres: { type: postgres, url: '${db.url}' }`,
  ].join('\n')
  config = join(platform.dir, 'tarmac.yaml')
  writeFileSync(config, `${readFileSync(join(ROOT, 'deploy/tarmac.yaml'), 'utf8')}\n${services}\n`)
  bare = join(platform.dir, 'bare.yaml')
  writeFileSync(bare, `${services}\n`)
})
afterAll(async () => {
  await backend?.close()
  await db?.drop()
  platform.cleanup()
})

async function diagnose(...extra: string[]) {
  const io = captureIo(ROOT)
  const code = await main(['diagnose', '-c', config, '--json', '--connects', '3', ...extra], io)
  return { code, err: io.err(), out: io.out() ? (JSON.parse(io.out()) as Verdict) : undefined }
}

describe('tarmac diagnose --platform (recorded platform answers)', () => {
  it('adds the connector at its maximum with its throughput as evidence for the connector verdict', async () => {
    const without = await diagnose()
    const { code, out } = await diagnose('--platform', platform.dir, '--tag', RELEASE)
    expect(code).toBe(1)
    expect(out!.verdict).toMatchObject({ domain: 'infrastructure', layer: 'connector' })
    expect(without.out!.verdict).toMatchObject({ domain: 'infrastructure', layer: 'connector' })
    // The platform's fact points the same way: the verdict rests on more.
    expect(out!.verdict.score).toBeGreaterThan(without.out!.verdict.score)
    const connector = out!.supporting.find((fact) => fact.source === 'platform vpc-connector tarmac')!
    expect(connector.fact).toMatch(
      /^max instances: plan 10, live 3 — at 3 instances \(200–300 Mbps\) the connector is at its maximum/,
    )
  })

  it('shows a revision whose timeout differs from the plan, scoped to its service, and what the database is', async () => {
    const { out } = await diagnose('--platform', platform.dir, '--tag', RELEASE)
    const timeout = out!.evidence.find((fact) => fact.fact.startsWith('DB_CONNECT_TIMEOUT_MS'))!
    expect(timeout.source).toBe(
      'platform cloud-run tarmac-backend · revision tarmac-backend-00007-xoq (100% of traffic)',
    )
    expect(timeout.points).toMatchObject({ domain: 'configuration', layer: 'startup' })
    expect(out!.evidence).toContainEqual(
      expect.objectContaining({
        source: 'platform cloud-sql my-project:europe-west1:tarmac-db',
        fact: 'max_connections: 100 (tier db-custom-1-3840 default)',
      }),
    )
  })

  it('a platform that refuses is evidence it could not read, not a failed diagnosis', async () => {
    const refused = answers()
    try {
      refused.remove(CONNECTOR)
      refused.write(
        CONNECTOR.replace('.json', '.error'),
        "ERROR: (gcloud.compute.networks.vpc-access.connectors.describe) PERMISSION_DENIED: Permission 'vpcaccess.connectors.get' denied on 'projects/my-project/locations/europe-west1/connectors/tarmac'\n",
      )
      const { code, out } = await diagnose('--platform', refused.dir, '--tag', RELEASE)
      expect(code).toBe(1)
      expect(out!.verdict).toMatchObject({ domain: 'infrastructure', layer: 'connector' })
      expect(out!.evidence).toContainEqual(
        expect.objectContaining({
          source: 'platform',
          fact: expect.stringMatching(
            /^not read: CLI_ERR_PLATFORM_DENIED: .*vpcaccess\.connectors\.get/,
          ) as string,
        }),
      )
    } finally {
      refused.cleanup()
    }
  })

  it('refuses --platform without a plan to hold the platform to (exit 2)', async () => {
    const io = captureIo(ROOT)
    expect(await main(['diagnose', '-c', bare, '--platform', platform.dir], io)).toBe(2)
    expect(io.err()).toMatch(/CLI_ERR_CONFIG_INVALID: --platform needs the plan/)
  })
})
