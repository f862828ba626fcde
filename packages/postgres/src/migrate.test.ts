import { describe, expect, it } from 'vitest'
import { advisoryLockKey } from './migrate.js'

describe('advisoryLockKey', () => {
  it('is a stable signed 64-bit key per name', () => {
    const key = BigInt(advisoryLockKey('tarmac_migrations'))
    expect(advisoryLockKey('tarmac_migrations')).toBe(key.toString())
    expect(key >= -(2n ** 63n) && key < 2n ** 63n).toBe(true)
    expect(advisoryLockKey('other')).not.toBe(key.toString())
  })
})
