import { probeTls, type ProbeResult } from '@tarmac/probe'
import { judge } from '../faults.js'
import type { CheckResult } from './check-result.js'
import { fromProbe } from './from-probe.js'

type Measured = Omit<CheckResult, 'target' | 'at' | 'lagMs' | 'trusted'>

/**
 * A certificate's expiry as a check: a TLS handshake (`probeTls`), then its whole days left held to the
 * threshold. Fewer than `minDaysLeft` is a warning — the target passes, degraded, with
 * `CLI_ERR_TLS_CERT_EXPIRING`; expired is a failure (`CLI_ERR_TLS_CERT_EXPIRED`: with `verify`, the handshake
 * itself fails first); a handshake that fails is the probe's failure.
 */
export async function measureTlsExpiry(
  target: { host: string; port: number; servername?: string; minDaysLeft: number; verify: boolean },
  timeoutMs: number,
): Promise<Measured> {
  const probe = await probeTls(
    {
      host: target.host,
      port: target.port,
      rejectUnauthorized: target.verify,
      ...(target.servername !== undefined && { servername: target.servername }),
    },
    { timeoutMs },
  )
  const evidence = { kind: 'probe', probe } as const
  if (!probe.ok) return { ...fromProbe(probe), evidence }
  return { ...judgedExpiry(probe, target.minDaysLeft), evidence }
}

/** The expiry of a completed handshake's certificate, judged against `minDaysLeft`. */
export function judgedExpiry(probe: ProbeResult, minDaysLeft: number): Measured {
  const base = { latencyMs: probe.totalMs, phases: probe.phases }
  const days = probe.details?.daysUntilExpiry
  const name = probe.details?.subject ?? probe.target
  if (days === undefined)
    return { ...base, state: 'pass', message: `no certificate expiry could be read from ${probe.target}` }
  const until = `${probe.details?.validTo ?? '?'}`
  const left = `${days} day${days === 1 ? '' : 's'}`
  if (days < 0) {
    const code = 'CLI_ERR_TLS_CERT_EXPIRED'
    return {
      ...base,
      state: 'fail',
      errorClass: code,
      code,
      message: `the certificate of ${name} expired on ${until}`,
      ...faultOf(code),
    }
  }
  if (days < minDaysLeft) {
    const code = 'CLI_ERR_TLS_CERT_EXPIRING'
    return {
      ...base,
      state: 'pass',
      degraded: true,
      errorClass: code,
      code,
      message: `the certificate of ${name} expires in ${left} (${until}), under the ${minDaysLeft}-day threshold`,
      ...faultOf(code),
    }
  }
  return { ...base, state: 'pass', message: `the certificate of ${name} is valid for ${left} (${until})` }
}

function faultOf(code: string): Pick<Measured, 'faultDomain' | 'faultLayer'> {
  const { domain, layer } = judge(code)
  return { faultDomain: domain, faultLayer: layer }
}
