import { describe, expect, it } from 'vitest'
import type { PlatformFinding } from '../deploy/platform/findings.js'
import { platformFacts } from './platform-facts.js'
import { decide } from './verdict.js'

const sql = 'cloud-sql my-project:europe-west1:tarmac-db'
const finding = (over: Partial<PlatformFinding>): PlatformFinding => ({
  resource: sql,
  subject: 'max_connections',
  status: 'ok',
  live: '100 (tier db-custom-1-3840 default)',
  ...over,
})
const capacity = (available: number) => ({
  dependency: 'postgres',
  maxConnections: 100,
  reserved: 3,
  inUse: 100 - available,
  available,
  byApplication: { backend: 100 - available },
  embedded: false,
})

describe('platformFacts', () => {
  it("a database whose every slot is taken while max_connections is its tier's default is at its tier's limit", () => {
    const observation = { source: 'saved answers', findings: [finding({})] }
    const full = platformFacts(observation, capacity(0))
    expect(full.at(-1)).toMatchObject({
      fact: expect.stringContaining("at its tier's limit") as string,
      points: { domain: 'infrastructure', layer: 'postgres-capacity' },
    })
    expect(platformFacts(observation, capacity(12)).some((f) => f.fact.includes("tier's limit"))).toBe(false)
    // A flag someone set is not the tier's limit.
    const flagged = { source: 's', findings: [finding({ live: '100 (max_connections flag)' })] }
    expect(platformFacts(flagged, capacity(0)).some((f) => f.fact.includes("tier's limit"))).toBe(false)
  })

  it("a connector or database that is not serving weighs like a service's report; a drifted setting is a hint; a release drift weighs nothing", () => {
    const facts = platformFacts(
      {
        source: 's',
        findings: [
          finding({
            resource: 'vpc-connector tarmac',
            subject: 'state',
            status: 'drift',
            plan: 'READY',
            live: 'ERROR',
            why: 'w',
            fix: 'f',
            code: 'DEPLOY_CONNECTOR_NOT_READY',
          }),
          finding({
            subject: 'state',
            status: 'drift',
            plan: 'RUNNABLE',
            live: 'SUSPENDED',
            why: 'w',
            fix: 'f',
            code: 'DEPLOY_DATABASE_NOT_RUNNABLE',
          }),
          finding({
            resource: 'r',
            subject: 'DB_POOL_MAX',
            status: 'drift',
            plan: '10',
            live: '20',
            why: 'w',
            fix: 'f',
            code: 'DEPLOY_DRIFT_CONNECTIONS',
            service: 'backend',
          }),
          finding({
            resource: 'r',
            subject: 'image',
            status: 'drift',
            plan: 'a',
            live: 'b',
            why: 'w',
            fix: 'f',
            code: 'DEPLOY_DRIFT_RELEASE',
            service: 'backend',
          }),
        ],
      },
      null,
    )
    expect(facts.map((f) => [f.points?.domain, f.points?.layer, f.points?.weight, f.scope])).toEqual([
      ['infrastructure', 'connector', 2, undefined],
      ['infrastructure', 'postgres-availability', 2, undefined],
      ['configuration', 'postgres-capacity', 1, 'backend'],
      [undefined, undefined, undefined, 'backend'],
    ])
    const verdict = decide(facts, false)
    expect(verdict.actions.join('\n')).toContain(
      'DEPLOY_CONNECTOR_NOT_READY: wait for an operation in progress',
    )
  })

  it('a platform that could not be read is one fact, pointing nowhere', () => {
    expect(platformFacts({ unavailable: 'CLI_ERR_PLATFORM_DENIED: refused' }, null)).toEqual([
      { source: 'platform', fact: 'not read: CLI_ERR_PLATFORM_DENIED: refused' },
    ])
    expect(platformFacts(null, null)).toEqual([])
  })
})
