export {
  FAULT_DOMAINS,
  FAULT_LAYERS,
  FAULT_LAYER_MEANINGS,
  isFaultDomain,
  isFaultLayer,
} from './vocabulary.js'
export type { FaultDomain, FaultLayer, VerdictDomain, VerdictLayer } from './vocabulary.js'
export { defineFaults, catalogProblems, pickFaults } from './fault-spec.js'
export type { CatalogSpec, DefinedFaults, FaultCatalog, FaultSpec } from './fault-spec.js'
export { createFaultModel } from './fault-model.js'
export type { Classification, DeclaredFault, FaultModel } from './fault-model.js'
export {
  PROGRAMMING_ERROR_NAMES,
  isFetchFailure,
  isProgrammingError,
  programmingErrorCode,
} from './programming-error.js'
export { SQLSTATE_CLASSES, SQLSTATE_CODE_VERDICTS, classOfCode } from './code-classes.js'
export type { CodeClass } from './code-classes.js'
export type { ProgrammingErrorName } from './programming-error.js'
