import { CONNECTOR_FAULTS } from '@tarmac/connector/faults'
import { createFaultModel, type FaultCatalog, type FaultModel } from '@tarmac/faults'
import { HEALTH_FAULTS } from '@tarmac/health/faults'
import { POSTGRES_FAULTS } from '@tarmac/postgres/faults'
import { PROBE_FAULTS } from '@tarmac/probe/faults'
import { STARTUP_FAULTS } from '@tarmac/startup'
import { SERVICE_FAULTS } from './errors.js'

export { SERVICE_FAULTS }

/**
 * The catalogs of every package a Tarmac service is built from (each from its light `/faults` entry, so
 * loading them loads no driver). A service adds its own; the CLI and the status page use them to judge codes
 * they see in documents without an annotation.
 */
export const KIT_FAULT_CATALOGS: readonly FaultCatalog[] = Object.freeze([
  STARTUP_FAULTS,
  PROBE_FAULTS,
  POSTGRES_FAULTS,
  HEALTH_FAULTS,
  CONNECTOR_FAULTS,
  SERVICE_FAULTS,
])

/**
 * The fault model of a service: the kit's catalogs and its own.
 * @example const faults = createServiceFaultModel(BACKEND_FAULTS)
 */
export function createServiceFaultModel(...own: readonly FaultCatalog[]): FaultModel {
  return createFaultModel(...KIT_FAULT_CATALOGS, ...own)
}
