import { RETRY_DEFAULTS, backoffWindowMs } from '@tarmac/startup'
import type { DeployFaultCode } from '../errors.js'
import { fleetServices, usableConnections, type FleetConfig, type FleetService } from './fleet-schema.js'
import { predictedColdStart } from './cold-start-prediction.js'
import type { FleetCheck } from './fleet-check.js'
import { CLOUD_RUN_LIMITS } from './platform-limits.js'

export type { FleetCheck }

const n = (value: number) => String(value)
const verdict = (
  check: string,
  passed: boolean,
  code: DeployFaultCode,
  numbers: string,
  fix: string,
): FleetCheck => (passed ? { check, passed, numbers } : { check, passed, code, numbers, fix })

/** Instances a budget must cover: the most at once, plus a rollout's surge. */
const peak = (s: FleetService) => s.maxInstances + s.surgeInstances

/** Every check of the plan, in a stable order: connections, then each service, then the fleet's cold start. */
export function checkFleet(fleet: FleetConfig): FleetCheck[] {
  const services = fleetServices(fleet)
  const checks = [connections(fleet, services)]
  if (fleet.pooler) checks.push(poolerClients(fleet, services))
  for (const service of services) checks.push(...serviceChecks(fleet, service))
  if (fleet.connector) checks.push(coldStart(fleet, services))
  const prediction = predictedColdStart(fleet)
  if (prediction) checks.push(prediction)
  return checks
}

function connections(fleet: FleetConfig, services: FleetService[]): FleetCheck {
  const usable = usableConnections(fleet)
  const { maxConnections, reserved, heldByOthers } = fleet.database
  const direct = services.filter((s) => s.database === 'direct')
  const terms = direct.map((s) => ({ s, total: peak(s) * s.poolMax }))
  const replicas = fleet.pooler?.replicas ?? 0
  const pooler = replicas * (fleet.pooler?.serverConnections ?? 0)
  const total = terms.reduce((sum, t) => sum + t.total, 0) + pooler
  const parts = [
    ...terms.map((t) => `${t.s.name} ${peak(t.s)} × ${t.s.poolMax}`),
    ...(fleet.pooler ? [`pooler ${replicas} × ${fleet.pooler.serverConnections}`] : []),
  ]
  const numbers =
    `${parts.join(' + ') || 'nothing direct'} = ${n(total)} ${total <= usable ? '≤' : '>'} ${n(usable)} usable ` +
    `(${n(maxConnections)} max_connections − ${reserved} reserved − ${heldByOthers} held by others)`
  const fixes = [`raise max_connections to ≥ ${n(total + reserved + heldByOthers)}`]
  const largest = [...terms].sort((a, b) => b.total - a.total)[0]
  if (largest) {
    const room = usable - (total - largest.total)
    const poolMax = Math.floor(room / peak(largest.s))
    fixes.unshift(
      poolMax >= 1
        ? `lower ${largest.s.name}'s poolMax to ≤ ${poolMax}`
        : `lower ${largest.s.name}'s maxInstances (not even one connection each fits)`,
    )
    if (!fleet.pooler) fixes.push('or put PgBouncer in front (fleet.pooler, database: pooler)')
  } else if (fleet.pooler)
    fixes.unshift(`lower pooler.serverConnections to ≤ ${Math.floor(usable / fleet.pooler.replicas)}`)
  return verdict('connections', total <= usable, 'DEPLOY_CONNECTIONS_OVER_BUDGET', numbers, fixes.join(', '))
}

function poolerClients(fleet: FleetConfig, services: FleetService[]): FleetCheck {
  const { maxClientConnections, replicas } = fleet.pooler!
  const limit = maxClientConnections * replicas
  const pooled = services.filter((s) => s.database === 'pooler')
  const total = pooled.reduce((sum, s) => sum + peak(s) * s.poolMax, 0)
  const numbers =
    `${pooled.map((s) => `${s.name} ${peak(s)} × ${s.poolMax}`).join(' + ') || 'no pooled service'} = ${n(total)} ` +
    `${total <= limit ? '≤' : '>'} ${replicas} × ${n(maxClientConnections)} max_client_conn`
  return verdict(
    'pooler clients',
    total <= limit,
    'DEPLOY_POOLER_CLIENTS_OVER_LIMIT',
    numbers,
    `raise pooler.maxClientConnections to ≥ ${n(Math.ceil(total / replicas))}, or lower poolMax`,
  )
}

function serviceChecks(fleet: FleetConfig, s: FleetService): FleetCheck[] {
  const checks: FleetCheck[] = []
  const margin = fleet.probeMarginMs
  const needed = s.startupDeadlineMs + margin
  checks.push(
    verdict(
      `${s.name} probe window`,
      s.startupProbeWindowMs >= needed,
      'DEPLOY_PROBE_WINDOW_TOO_SHORT',
      `startup probe window ${n(s.startupProbeWindowMs)} ms ${s.startupProbeWindowMs >= needed ? '≥' : '<'} deadline ${n(s.startupDeadlineMs)} + margin ${n(margin)} = ${n(needed)} ms`,
      `raise startupProbeWindowMs to ≥ ${n(needed)}, or lower startupDeadlineMs to ≤ ${n(s.startupProbeWindowMs - margin)}`,
    ),
  )
  if (s.database !== 'none') {
    const backoff = Array.from({ length: s.connectAttempts - 1 }, (_, i) =>
      backoffWindowMs(i, RETRY_DEFAULTS.baseMs, RETRY_DEFAULTS.capMs),
    ).reduce((a, b) => a + b, 0)
    const total = s.connectAttempts * s.connectTimeoutMs + backoff
    const fits = total <= s.startupDeadlineMs
    checks.push(
      verdict(
        `${s.name} connect attempts`,
        fits,
        'DEPLOY_CONNECT_ATTEMPTS_OVER_DEADLINE',
        `${s.connectAttempts} × ${n(s.connectTimeoutMs)} ms + backoff ≤ ${n(backoff)} ms = ${n(total)} ms ${fits ? '≤' : '>'} deadline ${n(s.startupDeadlineMs)} ms`,
        `lower connectTimeoutMs to ≤ ${n(Math.floor((s.startupDeadlineMs - backoff) / s.connectAttempts))}, or raise startupDeadlineMs to ≥ ${n(total)} (and the probe window with it)`,
      ),
    )
  }
  if (fleet.platforms.includes('cloud-run')) checks.push(...cloudRunChecks(fleet, s))
  return checks
}

function cloudRunChecks(fleet: FleetConfig, s: FleetService): FleetCheck[] {
  const cap = CLOUD_RUN_LIMITS.startupProbeWindowMs
  const grace = CLOUD_RUN_LIMITS.shutdownGraceMs
  // Cloud Run has stopped routing when it signals: `tarmac deploy render` sets DRAIN_DELAY_MS=0 there.
  const stop = s.stopBudgetMs
  return [
    verdict(
      `${s.name} cloud-run probe window`,
      s.startupProbeWindowMs <= cap,
      'DEPLOY_PROBE_WINDOW_OVER_PLATFORM',
      `startup probe window ${n(s.startupProbeWindowMs)} ms ${s.startupProbeWindowMs <= cap ? '≤' : '>'} Cloud Run's ${n(cap)} ms (failureThreshold × periodSeconds)`,
      `lower startupProbeWindowMs to ≤ ${n(cap)} and startupDeadlineMs to ≤ ${n(cap - fleet.probeMarginMs)}`,
    ),
    verdict(
      `${s.name} cloud-run shutdown`,
      stop <= grace,
      'DEPLOY_SHUTDOWN_OVER_GRACE',
      `drain 0 ms (Cloud Run stops routing first) + stop budget ${n(stop)} ms ${stop <= grace ? '≤' : '>'} ${n(grace)} ms after SIGTERM`,
      `lower stopBudgetMs to ≤ ${n(grace)}`,
    ),
    verdict(
      `${s.name} cloud-run concurrency`,
      s.concurrency <= CLOUD_RUN_LIMITS.concurrencyMax,
      'DEPLOY_CONCURRENCY_OVER_PLATFORM',
      `concurrency ${n(s.concurrency)} ${s.concurrency <= CLOUD_RUN_LIMITS.concurrencyMax ? '≤' : '>'} ${n(CLOUD_RUN_LIMITS.concurrencyMax)}`,
      `lower concurrency to ≤ ${n(CLOUD_RUN_LIMITS.concurrencyMax)} and raise maxInstances`,
    ),
  ]
}

/**
 * A cold start of every instance at once: each holds ONE connection while starting (through a pooler too: the
 * connector sits before it), so the connector must establish Σ maxInstances at its admission rate before the
 * shortest startup deadline of those services — which itself sits inside the probe window.
 */
function coldStart(fleet: FleetConfig, services: FleetService[]): FleetCheck {
  const rate = fleet.connector!.admissionsPerSecond
  const users = services.filter((s) => s.database !== 'none')
  const connections = users.reduce((sum, s) => sum + s.maxInstances, 0)
  const neededMs = Math.ceil((connections / rate) * 1000)
  const deadlineMs = Math.min(...users.map((s) => s.startupDeadlineMs), Number.POSITIVE_INFINITY)
  const fits = neededMs <= deadlineMs
  const terms = users.map((s) => `${s.name} ${s.maxInstances}`).join(' + ') || 'none'
  return verdict(
    'cold start through the connector',
    fits,
    'DEPLOY_COLD_START_OVER_CONNECTOR',
    `${terms} = ${n(connections)} connections at ${rate}/s = ${n(neededMs)} ms ${fits ? '≤' : '>'} shortest startup deadline ${n(deadlineMs)} ms`,
    `the connector must admit ≥ ${(connections / (deadlineMs / 1000)).toFixed(2)}/s, or lower the instances to ≤ ${n(Math.floor((rate * deadlineMs) / 1000))} in all`,
  )
}
