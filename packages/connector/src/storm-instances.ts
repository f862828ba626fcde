import type { InstanceModel } from './storm-model.js'

/**
 * How a Tarmac backend starts, for the storm model: where its CPU falls around the admission connection it asks
 * for early (connect-ahead — most of the bundle loads while the connector establishes it; the migrations check and
 * self-test run after), one connection, and the startup engine's full-jitter retry (250 ms base, 2 s cap) until
 * its deadline. Calibrated against bench/startup-storm (its README's model table).
 */
export const TARMAC_START = Object.freeze({
  /** CPU to ready on one core, Node 20, 2 × AMD EPYC (bench/startup-storm: 0.5–0.75 s). */
  cpuMs: 650,
  cpuShareBeforeConnect: 0.15,
  cpuShareWhileConnecting: 0.65,
  cpuShareAfterConnect: 0.2,
  retry: { baseMs: 250, capMs: 2_000 },
  connectTimeoutMs: 30_000,
  deadlineMs: 120_000,
})

export interface TarmacInstanceOptions {
  readonly cpuMs?: number
  /** `DB_CONNECT_TIMEOUT_MS`. */
  readonly connectTimeoutMs?: number
  /** `STARTUP_DEADLINE_MS`. */
  readonly deadlineMs?: number
}

/** A Tarmac backend instance as the storm model sees it. */
export function tarmacInstance(options: TarmacInstanceOptions = {}): InstanceModel {
  const cpuMs = options.cpuMs ?? TARMAC_START.cpuMs
  return {
    cpuBeforeConnectMs: cpuMs * TARMAC_START.cpuShareBeforeConnect,
    cpuWhileConnectingMs: cpuMs * TARMAC_START.cpuShareWhileConnecting,
    cpuAfterConnectMs: cpuMs * TARMAC_START.cpuShareAfterConnect,
    connections: 1,
    attemptTimeoutMs: options.connectTimeoutMs ?? TARMAC_START.connectTimeoutMs,
    retry: { ...TARMAC_START.retry, deadlineMs: options.deadlineMs ?? TARMAC_START.deadlineMs },
  }
}
