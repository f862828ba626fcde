import { createHttpProbe, probePostgres, probeTcp, type HttpProbe, type ProbeResult } from '@tarmac/probe'
import { NO_ANSWER } from '../faults.js'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import { verdictOf } from '../health/health-verdict.js'
import type { CheckResult } from './check-result.js'
import type { MonitorTarget } from './monitor-targets.js'
import type { DispatchInfo } from './scheduler.js'
import { fromProbe } from './from-probe.js'
import { measureTlsExpiry } from './tls-expiry-check.js'
import { measureWebSocket } from './websocket-check.js'

type Measured = Omit<CheckResult, 'target' | 'at' | 'lagMs' | 'trusted'>

/**
 * Runs one check of a target within its deadline and never rejects: a health endpoint is read and its
 * document judged (`starting` stays `starting`); a dependency goes through the matching `@tarmac/probe` probe.
 * `trusted` is decided by the scheduler when the check settles.
 */
export async function runCheck(target: MonitorTarget, info: DispatchInfo): Promise<CheckResult> {
  const at = new Date(Date.now() - (performance.now() - info.startedAtMs)).toISOString()
  let measured: Measured
  try {
    measured = await measure(target, info.deadlineMs)
  } catch (error) {
    // A usage error (a target the probe rejects): a failure of the config, shown on the row.
    measured = {
      state: 'fail',
      latencyMs: 0,
      errorClass: 'UNKNOWN',
      message: String(error),
      faultDomain: 'configuration',
      faultLayer: 'client',
    }
  }
  return { target: target.id, at, lagMs: round(info.lagMs), trusted: true, ...measured }
}

async function measure(target: MonitorTarget, timeoutMs: number): Promise<Measured> {
  switch (target.kind) {
    case 'health':
      return measureHealth(target, timeoutMs)
    case 'websocket':
      return measureWebSocket(target.url!, target.tokens!, timeoutMs)
    case 'http':
      return withProbe(await httpProbeOf(target, timeoutMs)())
    case 'postgres':
      return withProbe(await probePostgres(target.url!, { timeoutMs }))
    case 'tcp':
      return withProbe(await probeTcp({ host: target.host!, port: target.port! }, { timeoutMs }))
    case 'tls':
      return measureTlsExpiry({ host: target.host!, port: target.port!, ...target.tls! }, timeoutMs)
  }
}

/**
 * Each http target's probe, prepared once (URL and options checked, request bytes built) for the deadline it runs
 * with: a monitor probes the same targets every interval. Weak, so a target dropped from the config goes with it.
 */
const httpProbes = new WeakMap<MonitorTarget, { timeoutMs: number; probe: HttpProbe }>()

function httpProbeOf(target: MonitorTarget, timeoutMs: number): HttpProbe {
  const prepared = httpProbes.get(target)
  if (prepared?.timeoutMs === timeoutMs) return prepared.probe
  const probe = createHttpProbe(target.url!, { timeoutMs })
  httpProbes.set(target, { timeoutMs, probe })
  return probe
}

async function measureHealth(target: MonitorTarget, timeoutMs: number): Promise<Measured> {
  const response = await fetchHealth(target.url!, { timeoutMs, token: target.token })
  if (isFetchFailure(response)) {
    const { failure } = response
    // A service that does not answer: crashed or cut off, nobody can tell from here.
    return {
      state: 'fail',
      latencyMs: response.latencyMs,
      errorClass: failure.class,
      message: failure.message,
      faultDomain: NO_ANSWER.domain,
      faultLayer: NO_ANSWER.layer,
      evidence: {
        kind: 'exchange',
        exchange: {
          answered: false,
          errorClass: failure.class,
          message: failure.message,
          latencyMs: response.latencyMs,
        },
      },
    }
  }
  const verdict = verdictOf(response.status, response.body)
  return {
    evidence: {
      kind: 'exchange',
      exchange: {
        answered: true,
        status: response.status,
        latencyMs: response.latencyMs,
        body: response.body,
        headers: response.headers,
      },
    },
    state: verdict.state,
    latencyMs: response.latencyMs,
    httpStatus: response.status,
    ...(verdict.startupState !== undefined && { startupState: verdict.startupState }),
    ...(verdict.startupPhase !== undefined && { startupPhase: verdict.startupPhase }),
    ...(verdict.state === 'fail' && { errorClass: 'HEALTH_FAIL' }),
    ...(verdict.degraded && { degraded: true }),
    ...(verdict.code !== undefined && { code: verdict.code }),
    ...(verdict.message !== undefined && { message: verdict.message }),
    ...(verdict.faultDomain !== undefined && { faultDomain: verdict.faultDomain }),
    ...(verdict.faultLayer !== undefined && { faultLayer: verdict.faultLayer }),
  }
}

/** A probe result as a check result, with the probe kept as evidence. */
const withProbe = (result: ProbeResult): Measured => ({
  ...fromProbe(result),
  evidence: { kind: 'probe', probe: result },
})

const round = (ms: number) => Math.round(ms * 10) / 10
