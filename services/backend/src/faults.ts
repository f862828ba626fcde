import { createServiceFaultModel } from '@tarmac/service'
import { BACKEND_FAULTS } from './errors.js'

/** The backend's fault model: the kit's catalogs and its own; its reports and health documents are judged with it. */
export const faults = createServiceFaultModel(BACKEND_FAULTS)
