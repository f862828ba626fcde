import { describe, expect, it } from 'vitest'
import { defaultMaxConnections, maxConnectionsOf, tierMemoryGiB } from './cloud-sql-tiers.js'

const instance = (tier: string, flags?: { name: string; value?: string }[]) => ({
  name: 'db',
  connectionName: 'p:r:db',
  databaseVersion: 'POSTGRES_15',
  state: 'RUNNABLE',
  settings: { tier, ...(flags && { databaseFlags: flags }) },
})

describe('max_connections of a Cloud SQL for PostgreSQL instance', () => {
  it.each([
    ['db-f1-micro', 0.6, 25],
    ['db-g1-small', 1.7, 50],
    ['db-custom-1-3840', 3.75, 100],
    ['db-custom-2-7680', 7.5, 400],
    ['db-n1-standard-1', 3.75, 100],
    ['db-n1-standard-4', 15, 500],
    ['db-n1-highmem-16', 104, 800],
    ['db-custom-32-122880', 120, 1000],
  ])('the tier %s has %s GiB: %s by default', (tier, memory, value) => {
    expect(tierMemoryGiB(tier)).toBeCloseTo(memory)
    expect(defaultMaxConnections(tier)).toBe(value)
  })

  it('the flag, when set, wins over the tier; an unknown tier without the flag is unknown, not guessed', () => {
    expect(
      maxConnectionsOf(instance('db-custom-1-3840', [{ name: 'max_connections', value: '250' }])),
    ).toEqual({
      value: 250,
      from: 'flag',
      tier: 'db-custom-1-3840',
    })
    expect(
      maxConnectionsOf(instance('db-custom-1-3840', [{ name: 'work_mem', value: '4096' }])),
    ).toMatchObject({
      value: 100,
      from: 'tier default',
    })
    expect(maxConnectionsOf(instance('db-perf-optimized-N-8'))).toMatchObject({
      value: null,
      from: 'unknown',
    })
  })
})
