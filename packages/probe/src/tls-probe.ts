import { Deadline } from './deadline.js'
import { PROBE_DEFAULTS, assertHost, assertPort, resolveProbeOptions, type ProbeOptions } from './options.js'
import { PhaseClock } from './phase-clock.js'
import { runProbe, type ProbeResult } from './probe-result.js'
import { bareHost } from './resolve-host.js'
import { resolveAndConnect } from './tcp-connect.js'
import { formatHostPort, type TcpTarget } from './tcp-probe.js'
import { tlsDetails, tlsHandshake } from './tls-handshake.js'

/** A TLS endpoint. `servername` defaults to `host` (no SNI for IP literals). */
export interface TlsTarget extends TcpTarget {
  servername?: string
  /** Fail when the chain does not verify (default true). With false, `details.authorized` tells. */
  rejectUnauthorized?: boolean
}

/**
 * Resolves, connects and completes a TLS handshake, then closes. Phases: `dns`, `tcp`, `tls`.
 * Details: `addresses`, `address`, `protocol`, `cipher`, `authorized`, certificate `subject`,
 * `issuer`, `validFrom`, `validTo`, `daysUntilExpiry`.
 * @example const { details } = await probeTls({ host: 'example.com', port: 443 })
 */
export function probeTls(target: TlsTarget, options?: ProbeOptions): Promise<ProbeResult> {
  assertHost(target?.host)
  assertPort(target.port, target.host)
  const { signal, timeoutMs } = resolveProbeOptions(options, PROBE_DEFAULTS.timeoutMs)
  const clock = new PhaseClock('dns')
  const deadline = new Deadline(timeoutMs, signal)
  return runProbe('tls', formatHostPort(target.host, target.port), clock, deadline, async (details) => {
    const socket = await resolveAndConnect(target.host, target.port, deadline, clock, details)
    clock.lap('tls')
    const tlsSocket = await tlsHandshake(
      socket,
      {
        host: bareHost(target.host),
        servername: target.servername,
        rejectUnauthorized: target.rejectUnauthorized,
      },
      deadline,
    )
    clock.stop()
    Object.assign(details, tlsDetails(tlsSocket))
    tlsSocket.destroy()
    socket.destroy()
    return undefined
  })
}
