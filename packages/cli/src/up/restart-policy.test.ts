import { describe, expect, it } from 'vitest'
import { RestartPolicy } from './restart-policy.js'

const options = { baseDelayMs: 1_000, maxDelayMs: 8_000, windowMs: 60_000 }

describe('RestartPolicy', () => {
  it('doubles the delay for crashes in a row, capped, with jitter between half and all of it', () => {
    const low = new RestartPolicy(options, () => 0)
    const high = new RestartPolicy(options, () => 1)
    const at = [0, 2_000, 5_000, 10_000, 20_000, 30_000]
    expect(at.map((t) => low.crashed(t).delayMs)).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000])
    expect(at.map((t) => high.crashed(t).delayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000])
  })

  it('counts the crashes of the last window, and starts over after a window without one', () => {
    const policy = new RestartPolicy(options, () => 1)
    expect(policy.crashed(0).crashesInWindow).toBe(1)
    expect(policy.crashed(10_000).crashesInWindow).toBe(2)
    expect(policy.crashed(50_000)).toEqual({ delayMs: 4_000, crashesInWindow: 3 })
    // 65 s: the crash at 0 left the window; the streak goes on (the last crash was 15 s ago).
    expect(policy.crashed(65_000)).toEqual({ delayMs: 8_000, crashesInWindow: 3 })
    // Up for more than a window: back to the base delay.
    expect(policy.crashed(200_000)).toEqual({ delayMs: 1_000, crashesInWindow: 1 })
  })

  it('jitters: two services crashing together do not restart in lockstep', () => {
    const values = [0.1, 0.9]
    const a = new RestartPolicy(options, () => values[0]!)
    const b = new RestartPolicy(options, () => values[1]!)
    expect(a.crashed(0).delayMs).not.toBe(b.crashed(0).delayMs)
  })
})
