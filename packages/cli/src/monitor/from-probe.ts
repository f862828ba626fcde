import type { ProbeResult } from '@tarmac/probe'
import { judge } from '../faults.js'
import type { CheckResult } from './check-result.js'

type Measured = Omit<CheckResult, 'target' | 'at' | 'lagMs' | 'trusted'>

/** A probe result as a check result. */
export function fromProbe(result: ProbeResult): Measured {
  if (result.ok)
    return { state: 'pass', latencyMs: result.totalMs, phases: result.phases, ...statusOf(result) }
  const error = result.error!
  const { domain, layer } = judge(error.class)
  return {
    state: 'fail',
    latencyMs: result.totalMs,
    phases: result.phases,
    ...statusOf(result),
    errorClass: error.class,
    message: error.message,
    faultDomain: domain,
    faultLayer: layer,
  }
}

function statusOf(result: ProbeResult): { httpStatus?: number } {
  return result.details?.status !== undefined ? { httpStatus: result.details.status } : {}
}
