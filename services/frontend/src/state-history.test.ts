import { describe, expect, it } from 'vitest'
import { createStateHistory } from './state-history.js'

describe('createStateHistory', () => {
  it('records a change of status or state, keeps a status start across state changes, and stays bounded', () => {
    const history = createStateHistory({ perService: 3 })
    history.observe('auth', { status: 'fail', state: 'unreachable', code: 'TCP_REFUSED' }, 1_000)
    history.observe('auth', { status: 'fail', state: 'unreachable', code: 'TCP_REFUSED' }, 2_000)
    expect(history.since('auth')).toEqual({ at: new Date(1_000).toISOString(), basis: 'first-seen' })
    history.observe('auth', { status: 'fail', state: 'starting', code: null }, 3_000)
    expect(history.since('auth')!.at).toBe(new Date(1_000).toISOString()) // still failing since 1 s
    history.observe('auth', { status: 'pass', state: 'started', code: null }, 4_000)
    history.observe('auth', { status: 'fail', state: 'started', code: 'PG_ERR_TIMEOUT' }, 5_000)
    expect(history.since('auth')).toEqual({ at: new Date(5_000).toISOString(), basis: 'observed' })
    expect(history.changes('auth', 5_000).map((c) => c.state)).toEqual(['starting', 'started', 'started'])
    // The change in force at the window's start is kept; older ones are not shown.
    expect(history.changes('auth', 5_500, 1_000).map((c) => c.at)).toEqual([
      new Date(4_000).toISOString(),
      new Date(5_000).toISOString(),
    ])
    expect(history.since('nobody')).toBeNull()
  })
})
