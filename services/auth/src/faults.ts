import { createServiceFaultModel } from '@tarmac/service'
import { AUTH_FAULTS } from './errors.js'

/** Auth's fault model: the kit's catalogs and its own; its reports and health documents are judged with it. */
export const faults = createServiceFaultModel(AUTH_FAULTS)
