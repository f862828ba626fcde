import { createClientErrors, createServiceFaultModel } from '@tarmac/service'
import { BACKEND_FAULTS } from './errors.js'

/** The backend's fault model: the kit's catalogs and its own; its reports and health documents are judged with it. */
export const faults = createServiceFaultModel(BACKEND_FAULTS)

/** What a client sees of an error, from its catalog entry: the HTTP error handler's mapping, for frames too. */
export const clientErrorOf = createClientErrors(faults)
