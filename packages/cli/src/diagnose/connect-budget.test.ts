import { describe, expect, it } from 'vitest'
import { judgeConnects } from './connect-budget.js'

const DB_CONNECT = { budgetMs: 30_000, source: 'db-connect' }

describe('judgeConnects: slow is a fault', () => {
  it('calls a 5 s connect slow, the time in the startup handshake, the database fast: the connector', () => {
    const judged = judgeConnects(5_012, { dns: 0.1, tcp: 0.3, auth: 5_004, firstQuery: 0.5 }, 0.5, DB_CONNECT)
    expect(judged).toMatchObject({ slow: true, atRisk: false, layer: 'connector', slowestStep: 'auth' })
    expect(judged.line).toBe(
      "p95 5,012 ms, 5,004 ms of it in the startup handshake (until the server's first answer): 17 % of the 30,000 ms connect budget (db-connect); over the 1,000 ms slow bound; 10,024× the database's own round trip on an open connection (0.5 ms)",
    )
  })

  it('weighs more at half the budget or past it (the service’s own deadline)', () => {
    const judged = judgeConnects(2_600, { auth: 2_590 }, 1, { budgetMs: 5_000, source: 'its own deadline' })
    expect(judged).toMatchObject({ slow: true, atRisk: true })
    expect(judged.line).toMatch(/52 % of the 5,000 ms connect budget \(its own deadline\)/)
  })

  it('does not call a far database slow: under 10× its own round trip', () => {
    // 1.2 s to connect to a database 200 ms away (a few round trips): far, not slow.
    expect(judgeConnects(1_200, { tcp: 200, auth: 800, firstQuery: 200 }, 200, DB_CONNECT).slow).toBe(false)
  })

  it('names the database when even a query on an open connection is slow, and DNS when DNS ate the time', () => {
    expect(judgeConnects(9_000, { auth: 6_000, firstQuery: 300 }, 300, DB_CONNECT).layer).toBe(
      'postgres-availability',
    )
    expect(judgeConnects(4_000, { dns: 3_900, auth: 5 }, 1, DB_CONNECT).layer).toBe('dns')
  })

  it('is not slow under the slow bound, whatever the baseline', () => {
    expect(judgeConnects(400, { auth: 390 }, 0.2, DB_CONNECT).slow).toBe(false)
  })
})
