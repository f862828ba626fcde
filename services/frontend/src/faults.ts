import { createServiceFaultModel } from '@tarmac/service'
import { FRONTEND_FAULTS } from './errors.js'

/**
 * The fault model the status page judges with: every kit package's catalog and the frontend's own. Backend and
 * auth annotate their documents (`domain`, `layer`) from their own catalogs, which this model trusts.
 */
export const faults = createServiceFaultModel(FRONTEND_FAULTS)
