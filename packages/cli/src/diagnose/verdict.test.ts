import { describe, expect, it } from 'vitest'
import type { Fact } from './facts.js'
import { evidenceGaps } from './analyse.js'
import { capacityFacts } from './source-facts.js'
import type { DiagnosisInput, Exchange } from './observations.js'
import { decide } from './verdict.js'
import { attribute, pathContextOf } from './path-context.js'
import type { ProbeResult } from '@tarmac/probe'

const points = (
  domain: 'infrastructure' | 'application' | 'configuration',
  layer: Fact['clears'] extends readonly (infer L)[] | undefined ? L : never,
  weight: number,
  code?: string,
) => ({ domain, layer, weight, ...(code && { code }) }) as const

const silent: Exchange = { answered: false, errorClass: 'TCP_REFUSED', message: 'refused', latencyMs: 1 }
const answered = (status: number): Exchange => ({ answered: true, status, latencyMs: 1, body: {} })

describe('decide: weighing the evidence', () => {
  it('is healthy with nothing pointing anywhere and everything ready', () => {
    expect(decide([{ source: 'backend /health/ready', fact: 'ready' }], true)).toMatchObject({
      status: 'healthy',
      confidence: 'high',
    })
  })

  it('says unknown, and what would help, when services are down and nothing says why', () => {
    const input: DiagnosisInput = {
      at: '2026-11-29T10:00:00Z',
      services: [
        {
          name: 'backend',
          url: 'http://b',
          ready: silent,
          startup: silent,
          infrastructure: silent,
          probe: null,
        },
        {
          name: 'auth',
          url: 'http://a',
          ready: answered(200),
          startup: answered(200),
          infrastructure: answered(200),
          probe: answered(401),
        },
      ],
      coldStarts: null,
      dependencies: [],
      capacity: null,
    }
    const verdict = decide(
      [{ source: 'backend /health/ready', fact: 'no answer: TCP_REFUSED' }],
      false,
      evidenceGaps(input),
    )
    expect(verdict).toMatchObject({ status: 'fault', domain: 'unknown', layer: 'unknown', confidence: 'low' })
    const wouldChange = verdict.wouldChange.join('\n')
    expect(wouldChange).toMatch(/an answer from backend: is it running/)
    expect(wouldChange).toMatch(/STARTUP_REPORT_URL/)
    expect(wouldChange).toMatch(/health token of auth/)
    expect(wouldChange).toMatch(/database as a dependency/)
  })

  it('asks only for what is missing', () => {
    const input: DiagnosisInput = {
      at: '2026-11-29T10:00:00Z',
      services: [
        {
          name: 'backend',
          url: 'http://b',
          ready: answered(503),
          startup: answered(503),
          infrastructure: answered(503),
          probe: answered(200),
        },
      ],
      coldStarts: { source: 'frontend', windowMs: 1, records: [] },
      dependencies: [{ name: 'postgres', type: 'postgres', target: 'postgres://db', probes: [] }],
      capacity: null,
    }
    expect(evidenceGaps(input)).toEqual([])
  })

  it('names the heaviest candidate, with the catalog action of its codes, and high confidence when sources agree', () => {
    const verdict = decide(
      [
        {
          source: 'frontend GET /startup-reports',
          fact: '3 cold starts exited 3',
          points: points('infrastructure', 'postgres-capacity', 3, 'PG_ERR_TOO_MANY_CONNECTIONS'),
          at: '2026-11-29T10:00:00Z',
          scope: 'backend',
        },
        {
          source: 'postgres capacity',
          fact: '25 of 25 slots in use',
          points: points('infrastructure', 'postgres-capacity', 3),
        },
        {
          source: 'backend /health/startup',
          fact: 'retrying',
          points: points('infrastructure', 'tcp', 1),
          scope: 'backend',
        },
      ],
      false,
    )
    expect(verdict).toMatchObject({
      domain: 'infrastructure',
      layer: 'postgres-capacity',
      confidence: 'high',
      since: '2026-11-29T10:00:00Z',
    })
    expect(verdict.actions[0]).toMatch(/^PG_ERR_TOO_MANY_CONNECTIONS: lower pool `max` × instances/)
    expect(verdict.actions.at(-1)).toMatch(/database team/)
    expect(verdict.supporting).toHaveLength(2)
  })

  it("rules a layer out only for the service whose path showed it working (auth's credentials say nothing of the backend's)", () => {
    const backendAuthFailure: Fact = {
      source: 'collector',
      fact: 'PG_ERR_AUTH_FAILED',
      points: points('configuration', 'postgres-auth', 2, 'PG_ERR_AUTH_FAILED'),
      scope: 'backend',
    }
    const authWorks: Fact = {
      source: 'auth in-service probe',
      fact: '5/5 connects',
      clears: ['postgres-auth'],
      scope: 'auth',
    }
    expect(decide([backendAuthFailure, authWorks], false)).toMatchObject({ layer: 'postgres-auth', score: 2 })
    const backendWorks: Fact = { ...authWorks, scope: 'backend' }
    expect(decide([backendAuthFailure, backendWorks], false)).toMatchObject({ domain: 'unknown' })
  })

  it('never lets a cached "passes" rule out what a fresh measurement shows failing', () => {
    const freshFailure: Fact = {
      source: 'auth in-service probe',
      fact: '5/5 fresh connects failed: PG_ERR_TOO_MANY_CONNECTIONS',
      points: points('infrastructure', 'postgres-capacity', 3, 'PG_ERR_TOO_MANY_CONNECTIONS'),
      scope: 'auth',
      fresh: true,
    }
    const cachedPass: Fact = {
      source: 'auth /health/infrastructure',
      fact: 'postgres:capacity passes',
      clears: ['postgres-capacity'],
      scope: 'auth',
    }
    expect(decide([freshFailure, cachedPass], false)).toMatchObject({ layer: 'postgres-capacity', score: 3 })
    expect(decide([freshFailure, { ...cachedPass, fresh: true }], false)).toMatchObject({ score: 1 })
    expect(decide([{ ...freshFailure, fresh: false }, cachedPass], false)).toMatchObject({ score: 1 })
  })

  it('counts a capacity read refused with 53300 as the database being full', () => {
    const [fact] = capacityFacts({
      dependency: 'postgres',
      unreadable: { code: 'PG_ERR_TOO_MANY_CONNECTIONS', message: 'too many clients already' },
    })
    expect(fact?.points).toMatchObject({ layer: 'postgres-capacity', code: 'PG_ERR_TOO_MANY_CONNECTIONS' })
    const [other] = capacityFacts({
      dependency: 'postgres',
      unreadable: { code: 'PG_ERR_UNREACHABLE', message: 'refused' },
    })
    expect(other?.points).toBeUndefined()
    expect(other?.fact).toMatch(/^unreadable: PG_ERR_UNREACHABLE/)
  })

  it('lets a pool that cannot serve win over a response-time timeout the in-service probe rules out', () => {
    const verdict = decide(
      [
        {
          source: 'backend /health/infrastructure',
          fact: 'postgres:pool fails',
          points: points('application', 'pool', 2),
          scope: 'backend',
        },
        {
          source: 'backend /health/infrastructure',
          fact: 'postgres:responseTime fails',
          points: points('infrastructure', 'postgres-availability', 2),
          scope: 'backend',
        },
        {
          source: 'backend in-service probe',
          fact: '5/5 fresh connects fast',
          clears: ['postgres-availability', 'connector'],
          scope: 'backend',
        },
      ],
      false,
    )
    expect(verdict).toMatchObject({ domain: 'application', layer: 'pool', confidence: 'medium' })
    expect(verdict.ruledOut).toContain(
      'postgres-availability, connector (for backend): 5/5 fresh connects fast — backend in-service probe',
    )
  })
})

describe('attribute: a network-level failure, placed on the path', () => {
  const probe = (ok: boolean, totalMs: number, errorClass?: string): ProbeResult =>
    ({
      ok,
      totalMs,
      phases: {},
      ...(errorClass && { error: { class: errorClass, phase: 'tcp', message: 'x' } }),
    }) as ProbeResult
  const database = (probes: ProbeResult[]) => [
    { name: 'postgres', type: 'postgres' as const, target: 'db', probes },
  ]

  it('is the connector when the database answers promptly from here', () => {
    const path = pathContextOf(database([probe(true, 20), probe(true, 30)]), 1_000)
    expect(attribute({ code: 'PG_ERR_TIMEOUT' }, path)).toMatchObject({
      domain: 'infrastructure',
      layer: 'connector',
    })
    // Something that is not about the network keeps its own judgement.
    expect(attribute({ code: 'PG_ERR_AUTH_FAILED' }, path)).toEqual({
      domain: 'configuration',
      layer: 'postgres-auth',
    })
  })

  it('is the database being down when its port refuses from here too', () => {
    const path = pathContextOf(database([probe(false, 1, 'TCP_REFUSED')]), 1_000)
    expect(attribute({ code: 'PG_ERR_CONNECTION_LOST' }, path)).toMatchObject({
      domain: 'infrastructure',
      layer: 'postgres-availability',
    })
  })

  it('stays the network path without a view of the database', () => {
    expect(attribute({ code: 'PG_ERR_UNREACHABLE' }, pathContextOf([], 1_000))).toEqual({
      domain: 'infrastructure',
      layer: 'tcp',
    })
  })
})
