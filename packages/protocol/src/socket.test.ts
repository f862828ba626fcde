import { describe, expect, it } from 'vitest'
import { CLOSE_CODES, isAuthClose, offeredProtocols, SUBPROTOCOL } from './socket.js'

describe('socket vocabulary', () => {
  it('offers the subprotocol, and the bearer token beside it when there is one', () => {
    expect(offeredProtocols('abc')).toEqual([SUBPROTOCOL, 'bearer.abc'])
    expect(offeredProtocols(null)).toEqual(['tarmac.v1'])
  })

  it('treats exactly the two token close codes as cured by a fresh token', () => {
    const cured = Object.values(CLOSE_CODES).filter(isAuthClose)
    expect(cured).toEqual([4401, 4408])
  })
})
