import { describe, expect, it } from 'vitest'
import { sealSuccessor, unsealSuccessor } from './successor-seal.js'

describe('successor seal', () => {
  it('opens only with the token it was sealed under', () => {
    const sealed = sealSuccessor('tarmac_rt_old', 'tarmac_rt_new')
    expect(sealed.toString('utf8')).not.toContain('tarmac_rt_new')
    expect(unsealSuccessor('tarmac_rt_old', sealed)).toBe('tarmac_rt_new')
    expect(unsealSuccessor('tarmac_rt_other', sealed)).toBeUndefined()
  })

  it('refuses a tampered or truncated seal', () => {
    const sealed = sealSuccessor('tarmac_rt_old', 'tarmac_rt_new')
    const tampered = Buffer.from(sealed)
    tampered[14] = tampered[14]! ^ 1
    expect(unsealSuccessor('tarmac_rt_old', tampered)).toBeUndefined()
    expect(unsealSuccessor('tarmac_rt_old', sealed.subarray(0, 20))).toBeUndefined()
  })
})
