import { Deadline } from './deadline.js'
import { PROBE_DEFAULTS, assertHost, resolveProbeOptions, type ProbeOptions } from './options.js'
import { PhaseClock } from './phase-clock.js'
import { runProbe, type ProbeResult } from './probe-result.js'
import { resolveHost } from './resolve-host.js'

/**
 * Resolves a host name with the system resolver and times it. Phases: `dns`.
 * Details: `addresses`. A lookup still running at the deadline is reported as `DNS_TIMEOUT`.
 * @example const result = await probeDns('db.internal', { timeoutMs: 2_000 })
 */
export function probeDns(host: string, options?: ProbeOptions): Promise<ProbeResult> {
  assertHost(host)
  const { signal, timeoutMs } = resolveProbeOptions(options, PROBE_DEFAULTS.timeoutMs)
  const clock = new PhaseClock('dns')
  const deadline = new Deadline(timeoutMs, signal)
  return runProbe('dns', host, clock, deadline, async (details) => {
    const addresses = await resolveHost(host, deadline, clock)
    details.addresses = addresses.map((entry) => entry.address)
    clock.stop()
    return undefined
  })
}
