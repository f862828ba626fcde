import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RunOutcome } from './assistant-runner.js'
import { RUN_LEASE_DEFAULTS, RunLeaseKeeper } from './run-lease-keeper.js'
import type { RunLease, RunLeases } from './run-leases.js'

afterEach(() => {
  vi.useRealTimers()
})

const lease = (runId: string): RunLease => ({
  messageId: `m-${runId}`,
  threadId: 't',
  userId: 'u',
  runId,
  attempts: 1,
})

describe('the run lease keeper', () => {
  it('renews a lease only once it was held a heartbeat: a short run is never rewritten, a long one every beat', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'performance'] })
    const renewed: string[][] = []
    const leases = {
      renew: async (runIds: readonly string[]) => {
        renewed.push([...runIds])
        return new Set(runIds)
      },
      abandonExhausted: async () => [],
      takeOverExpired: async () => [],
      release: async () => undefined,
      handOver: async () => undefined,
    } as unknown as RunLeases
    const keeper = new RunLeaseKeeper(leases, RUN_LEASE_DEFAULTS, {
      takeOver: async () => undefined,
      abandon: async () => undefined,
    })
    const { heartbeatMs } = RUN_LEASE_DEFAULTS
    let finishShort!: (outcome: RunOutcome) => void
    keeper.hold(lease('long'), new Promise<RunOutcome>(() => undefined))
    await vi.advanceTimersByTimeAsync(heartbeatMs / 2)
    keeper.hold(lease('short'), new Promise<RunOutcome>((resolve) => (finishShort = resolve)))
    await vi.advanceTimersByTimeAsync(heartbeatMs / 2) // first beat: 'long' held a heartbeat, 'short' half of one
    expect(renewed).toEqual([['long']])
    finishShort({ status: 'completed' } as RunOutcome)
    await vi.advanceTimersByTimeAsync(heartbeatMs * 3)
    expect(renewed).toEqual([['long'], ['long'], ['long'], ['long']])
    keeper.stop()
  })
})
