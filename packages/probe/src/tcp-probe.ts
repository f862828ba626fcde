import { Deadline } from './deadline.js'
import { PROBE_DEFAULTS, assertHost, assertPort, resolveProbeOptions, type ProbeOptions } from './options.js'
import { PhaseClock } from './phase-clock.js'
import { runProbe, type ProbeResult } from './probe-result.js'
import { bareHost } from './resolve-host.js'
import { resolveAndConnect } from './tcp-connect.js'

/** A host and port to connect to. */
export interface TcpTarget {
  host: string
  port: number
}

/** `host:port`, with IPv6 literals in brackets. */
export function formatHostPort(host: string, port: number): string {
  const bare = bareHost(host)
  return bare.includes(':') ? `[${bare}]:${port}` : `${bare}:${port}`
}

/**
 * Resolves and connects, then closes the socket. Phases: `dns`, `tcp`. Details: `addresses`, `address`.
 * @example const result = await probeTcp({ host: '127.0.0.1', port: 5432 })
 */
export function probeTcp(target: TcpTarget, options?: ProbeOptions): Promise<ProbeResult> {
  assertHost(target?.host)
  assertPort(target.port, target.host)
  const { signal, timeoutMs } = resolveProbeOptions(options, PROBE_DEFAULTS.timeoutMs)
  const clock = new PhaseClock('dns')
  const deadline = new Deadline(timeoutMs, signal)
  return runProbe('tcp', formatHostPort(target.host, target.port), clock, deadline, async (details) => {
    const socket = await resolveAndConnect(target.host, target.port, deadline, clock, details)
    clock.stop()
    socket.destroy()
    return undefined
  })
}
