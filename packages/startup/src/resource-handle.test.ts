import { describe, expect, it } from 'vitest'
import { createStartup } from './startup.js'

describe('ResourceHandle', () => {
  it('throws STARTUP_ERR_NOT_STARTED before start and after stop; peek is undefined then', async () => {
    const startup = createStartup({ name: 't', phases: ['a'] })
    const handle = startup.add({ name: 'pool', phase: 'a', start: () => ({ size: 2 }) })
    expect(handle.name).toBe('pool')
    expect(() => handle.get()).toThrow(expect.objectContaining({ code: 'STARTUP_ERR_NOT_STARTED' }))
    expect(handle.peek()).toBeUndefined()
    await startup.run()
    expect(handle.get()).toEqual({ size: 2 })
    expect(handle.peek()).toEqual({ size: 2 })
    await startup.shutdown()
    expect(() => handle.get()).toThrow(expect.objectContaining({ code: 'STARTUP_ERR_NOT_STARTED' }))
    expect(handle.peek()).toBeUndefined()
  })

  it('gives a resource of undefined through get() once started', async () => {
    const startup = createStartup({ name: 't', phases: ['a'] })
    const handle = startup.add({ name: 'open', phase: 'a', start: () => undefined })
    await startup.run()
    expect(handle.get()).toBeUndefined()
  })
})
