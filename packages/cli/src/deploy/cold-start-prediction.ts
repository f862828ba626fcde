import { TARMAC_START, predictStorm, tarmacInstance, type StormConnectorModel } from '@tarmac/connector'
import { fleetServices, usableConnections, type FleetConfig, type FleetService } from './fleet-schema.js'
import type { FleetCheck } from './fleet-check.js'

/** What the plan may leave out of its connector, for the model: bench/startup-storm's incident connector. */
export const CONNECTOR_MODEL_DEFAULTS = Object.freeze({
  establishMs: { minMs: 1_000, maxMs: 3_000 },
  scaleUpAfterMs: 20_000,
})

/**
 * The plan's connector as the storm model sees it: in flight at once while cold = admissions per second × the
 * mean establishment; after scale-up, that × maxInstances ÷ minInstances (its instances carry the load).
 */
export function connectorModel(connector: NonNullable<FleetConfig['connector']>): StormConnectorModel {
  const establishDelayMs = connector.establishMs ?? CONNECTOR_MODEL_DEFAULTS.establishMs
  const meanSeconds = (establishDelayMs.minMs + establishDelayMs.maxMs) / 2 / 1000
  const capacity = Math.max(1, Math.round(connector.admissionsPerSecond * meanSeconds))
  const { minInstances, maxInstances } = connector
  const scaleUp =
    minInstances !== undefined && maxInstances !== undefined
      ? {
          toCapacity: Math.round((capacity * maxInstances) / minInstances),
          afterMs: connector.scaleUpAfterMs ?? CONNECTOR_MODEL_DEFAULTS.scaleUpAfterMs,
        }
      : null
  return { establishDelayMs, capacity, scaleUp }
}

/** Server connections a cold-starting fleet can open: the pooler's clients when every user goes through it. */
function slotsForFleet(fleet: FleetConfig, users: readonly FleetService[]): number {
  const pooler = fleet.pooler
  if (pooler && users.every((s) => s.database === 'pooler'))
    return pooler.maxClientConnections * pooler.replicas
  return usableConnections(fleet) - (pooler ? pooler.serverConnections * pooler.replicas : 0)
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/**
 * Every database user of the plan cold-starting at once (Σ maxInstances, one admission connection each, each on
 * its own CPU), through the plan's connector, into the slots the plan leaves them: the storm model's readiness,
 * p95 and 53300 count, held to the shortest startup deadline.
 */
export function predictedColdStart(fleet: FleetConfig): FleetCheck | null {
  if (!fleet.connector) return null
  const users = fleetServices(fleet).filter((service) => service.database !== 'none')
  if (users.length === 0) return null
  const first = [...users].sort((a, b) => a.startupDeadlineMs - b.startupDeadlineMs)[0]!
  const cpus = Math.min(...users.map((service) => Number(service.cpu) || 1))
  const connector = connectorModel(fleet.connector)
  const instances = users.reduce((sum, service) => sum + service.maxInstances, 0)
  const slots = slotsForFleet(fleet, users)
  const p = predictStorm({
    instances,
    connector,
    slotsForFleet: slots,
    instance: tarmacInstance({
      cpuMs: TARMAC_START.cpuMs / cpus,
      connectTimeoutMs: first.connectTimeoutMs,
      deadlineMs: first.startupDeadlineMs,
    }),
    cores: Number.POSITIVE_INFINITY,
    horizonMs: first.startupDeadlineMs + first.connectTimeoutMs,
  })
  const ready = p.readyPct === 100 && p.p95ReadyMs !== null && p.p95ReadyMs <= first.startupDeadlineMs
  const delay = connector.establishDelayMs
  const through =
    `${connector.capacity}${connector.scaleUp ? ` → ${connector.scaleUp.toCapacity} after ${s(connector.scaleUp.afterMs)}` : ''}` +
    ` in flight, ${s(delay.minMs)}–${s(delay.maxMs)} each`
  const numbers =
    `storm model: ${instances} instances through the connector (${through}) into ${slots} slots: ` +
    `${p.readyPct} % ready, p95 ${p.p95ReadyMs === null ? '—' : s(p.p95ReadyMs)} ` +
    `${ready ? '≤' : 'vs'} deadline ${s(first.startupDeadlineMs)}, ${p.refused} × 53300 (median of ${p.runs} seeded runs)`
  if (ready) return { check: 'predicted cold start', passed: true, numbers }
  return {
    check: 'predicted cold start',
    passed: false,
    code: 'DEPLOY_COLD_START_PREDICTED_NOT_READY',
    numbers,
    fix:
      p.refused > 0 && slots < instances
        ? `give the fleet ≥ ${instances} server slots (now ${slots}), or lower the instances`
        : 'raise the connector (minInstances, machine type) or lower the instances',
  }
}
