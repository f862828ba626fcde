import { describe, expect, it } from 'vitest'
import type { ServerCapacity } from './capacity.js'
import { poolBudget } from './pool-budget.js'

function server(facts: {
  max: number
  reserved: number
  byApplication: Record<string, number>
}): ServerCapacity {
  const inUse = Object.values(facts.byApplication).reduce((a, b) => a + b, 0)
  return {
    embedded: false,
    serverVersion: '15.0',
    maxConnections: facts.max,
    reserved: { superuser: facts.reserved, roles: 0, total: facts.reserved },
    inUse,
    byState: {},
    byApplication: facts.byApplication,
    available: facts.max - facts.reserved - inUse,
    observedAtMs: 0,
  }
}

describe('poolBudget', () => {
  it('divides what other applications leave by the fleet, capped by what was asked for', () => {
    // A managed tier with max_connections 100, 3 reserved, 5 held by a job runner; 20 backends of pool 10.
    const capacity = server({ max: 100, reserved: 3, byApplication: { jobs: 5, backend: 1 } })
    const budget = poolBudget({ requestedMax: 10, fleetSize: 20, applicationName: 'backend', capacity })
    expect(budget).toMatchObject({ size: 4, heldByOthers: 5, usable: 92, fits: true })
    expect(budget.reason).toBe(
      'min(DB_POOL_MAX 10, floor((100 max_connections − 3 reserved − 5 held by others) / 20 instances)) = 4',
    )
    const alone = poolBudget({ requestedMax: 10, fleetSize: 1, applicationName: 'backend', capacity })
    expect(alone.size).toBe(10)
  })

  it("counts the fleet's own connections as its own, not as others'", () => {
    const capacity = server({ max: 25, reserved: 3, byApplication: { backend: 12, auth: 1 } })
    expect(
      poolBudget({ requestedMax: 10, fleetSize: 20, applicationName: 'backend', capacity }),
    ).toMatchObject({
      size: 1,
      heldByOthers: 1,
      usable: 21,
      fits: true,
    })
  })

  it('never goes below one, and says when the fleet does not fit', () => {
    const capacity = server({ max: 25, reserved: 3, byApplication: { other: 10 } })
    const budget = poolBudget({ requestedMax: 10, fleetSize: 20, applicationName: 'backend', capacity })
    expect(budget).toMatchObject({ size: 1, usable: 12, fits: false })
    expect(budget.reason).toMatch(/12 usable slots cannot give each of 20 instances even one connection$/)
  })

  it("behind a transaction pooler, gives DB_POOL_MAX as is: the server slots are the pooler's", () => {
    // 40 instances on a server of 25: direct, they would not fit; through PgBouncer they share its pool.
    const capacity = server({ max: 25, reserved: 3, byApplication: { pgbouncer: 10 } })
    const budget = poolBudget({
      requestedMax: 5,
      fleetSize: 40,
      applicationName: 'backend',
      capacity,
      pooler: 'transaction',
    })
    expect(budget).toMatchObject({
      size: 5,
      fits: true,
      pooler: 'transaction',
      maxConnections: 25,
      usable: null,
    })
    expect(budget.reason).toMatch(/^behind a transaction pooler: DB_POOL_MAX 5 connections to the pooler/)
    expect(
      poolBudget({ requestedMax: 5, fleetSize: 40, applicationName: 'backend', capacity }),
    ).toMatchObject({ size: 1, fits: false, pooler: 'none' })
  })

  it('takes DB_POOL_MAX as is on the embedded server', () => {
    const capacity = { ...server({ max: 100, reserved: 0, byApplication: {} }), embedded: true, inUse: null }
    expect(poolBudget({ requestedMax: 7, fleetSize: 3, applicationName: 'x', capacity })).toMatchObject({
      size: 7,
      maxConnections: null,
      fits: true,
    })
  })
})
