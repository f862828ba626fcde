/**
 * The storm model (`simulateStorm` in @tarmac/connector) beside the real runs: each contestant's fleet modelled
 * from what the same run measured — its CPU to ready, and the machine's effective cores read off the CPU floor
 * (`tarmac-floor`: N starts through a connector that costs nothing) — then the same fleet, connector and
 * database predicted, and the error against what really happened. Once calibrated, the model runs fleets this
 * machine cannot start (`fleetTable`).
 */
import {
  predictStorm,
  tarmacInstance,
  TARMAC_START,
  type FleetPrediction,
  type InstanceModel,
} from '@tarmac/connector'
import type { Contestant } from './contestants.js'
import type { ContestantResult } from './report.js'
import type { ConnectorModel, Scenario } from './scenarios.js'

/** The naive baseline asks for its pool as soon as `pg` is loaded, and is ready right after. */
const NAIVE_CPU_SPLIT = { before: 0.9, whileConnecting: 0, after: 0.1 }
/** The bench gives a fleet 150 s; a modelled fleet gets its startup deadline and the last retry's bound. */
export const BENCH_HORIZON_MS = 150_000
export const FLEET_HORIZON_MS = TARMAC_START.deadlineMs + TARMAC_START.connectTimeoutMs

export interface ModelledResult {
  readonly readyPct: number
  readonly p95ReadyMs: number | null
  /** (model − real) ÷ real, in %; null when either side has no p95. */
  readonly p95ErrorPct: number | null
  /** model − real readiness, in percentage points. */
  readonly readyErrorPoints: number
}

/** The CPU the fleet's processes share, as the floor run shows it: N × CPU per start ÷ p95 of the floor. */
export function effectiveCores(floor: ContestantResult): number | null {
  if (floor.p95ReadyMs === null || floor.cpuMsToReadyMean === null || floor.readyPct < 100) return null
  return (floor.instances * floor.cpuMsToReadyMean) / floor.p95ReadyMs
}

/** One instance of a contestant, with the CPU to ready it measured. */
export function instanceModel(contestant: Contestant, cpuMs: number): InstanceModel {
  if (contestant.kind === 'tarmac') return tarmacInstance({ cpuMs })
  return {
    cpuBeforeConnectMs: cpuMs * NAIVE_CPU_SPLIT.before,
    cpuWhileConnectingMs: cpuMs * NAIVE_CPU_SPLIT.whileConnecting,
    cpuAfterConnectMs: cpuMs * NAIVE_CPU_SPLIT.after,
    connections: contestant.poolMax ?? 1,
    attemptTimeoutMs: contestant.connectTimeoutMs ?? 90_000,
    retry: null,
  }
}

/** Server connections the fleet may open: what the scenario leaves it (auth holds one), or the pooler's clients. */
export function slotsForFleet(scenario: Scenario, contestant: Contestant): number {
  const direct = scenario.maxConnections - scenario.reservedConnections - 1
  if (!scenario.pooler) return direct
  return contestant.bypassPooler
    ? direct - scenario.pooler.serverConnections
    : scenario.pooler.maxClientConnections
}

export interface FleetModel {
  readonly instances: number
  readonly connector: ConnectorModel
  readonly slotsForFleet: number
  readonly instance: InstanceModel
  readonly cores: number
  readonly horizonMs?: number
}

/** The model's prediction for a bench fleet, watched as long as the bench watches one unless told otherwise. */
export function predict(model: FleetModel): FleetPrediction {
  return predictStorm({ horizonMs: BENCH_HORIZON_MS, ...model })
}

/** A real result modelled from its own run: its CPU, the floor's effective cores, the scenario's connector. */
export function modelResult(
  scenario: Scenario,
  contestant: Contestant,
  result: ContestantResult,
  cores: number,
  unconstrained: ConnectorModel,
): ModelledResult | null {
  if (result.cpuMsToReadyMean === null) return null
  const p = predict({
    instances: result.instances,
    connector: contestant.connector === 'scenario' ? scenario.connector : unconstrained,
    slotsForFleet: slotsForFleet(scenario, contestant),
    instance: instanceModel(contestant, result.cpuMsToReadyMean),
    cores,
  })
  const p95ErrorPct =
    p.p95ReadyMs === null || result.p95ReadyMs === null
      ? null
      : Math.round(((p.p95ReadyMs - result.p95ReadyMs) / result.p95ReadyMs) * 1000) / 10
  return {
    readyPct: p.readyPct,
    p95ReadyMs: p.p95ReadyMs === null ? null : Math.round(p.p95ReadyMs),
    p95ErrorPct,
    readyErrorPoints: Math.round((p.readyPct - result.readyPct) * 10) / 10,
  }
}

export interface FleetRow {
  readonly instances: number
  readonly slotsForFleet: number
  readonly readyPct: number
  readonly p95ReadyMs: number | null
  readonly refused: number
  readonly establishmentsPerInstance: number
}

/**
 * Tarmac fleets the machine cannot start, through `connector`, on a platform where each instance has its own
 * CPU (`cores: Infinity`) — with the CPU per start measured in the run — into a database that leaves the fleet
 * `slotsPerInstance` server connections per instance (1: exactly one each; 0.8: a fifth short), watched until the
 * startup deadline's last attempt could end.
 */
export function fleetTable(
  connector: ConnectorModel,
  cpuMs: number,
  sizes: readonly number[],
  slotsPerInstance: number,
  tarmac: Contestant,
): FleetRow[] {
  return sizes.map((instances) => {
    const slots = Math.floor(instances * slotsPerInstance)
    const p = predict({
      instances,
      connector,
      slotsForFleet: slots,
      instance: instanceModel(tarmac, cpuMs),
      cores: Number.POSITIVE_INFINITY,
      horizonMs: FLEET_HORIZON_MS,
    })
    return {
      instances,
      slotsForFleet: slots,
      readyPct: p.readyPct,
      p95ReadyMs: p.p95ReadyMs === null ? null : Math.round(p.p95ReadyMs),
      refused: p.refused,
      establishmentsPerInstance: Math.round(p.establishmentsPerInstance * 100) / 100,
    }
  })
}
