export { createConnector, Connector } from './connector.js'
export type { ConnectorAddress, ConnectorEvents, DownOptions } from './connector.js'
export { CONNECTOR_DEFAULTS } from './options.js'
export type {
  ConnectorOptions,
  DelayMs,
  ResolvedConnectorOptions,
  ResolvedDelay,
  ScaleUpOptions,
} from './options.js'
export type { ConnectorStats, RefuseReason } from './stats.js'
export { REFUSE_REASONS } from './stats.js'
export type { Percentiles } from './stats.js'
export type { ConnectionState } from './connection.js'
export { CONNECTION_STATES } from './connection.js'
export { ConnectorError, CONNECTOR_ERROR_CODES, CONNECTOR_FAULTS, isConnectorError } from './errors.js'
export type { ConnectorErrorCode } from './errors.js'
export { TokenBucket } from './token-bucket.js'
export type { TokenBucketOptions } from './token-bucket.js'
export { simulateStorm } from './storm-model.js'
export { TARMAC_START, tarmacInstance } from './storm-instances.js'
export { PREDICTION_RUNS, predictStorm, seededRandom } from './storm-prediction.js'
export type { FleetPrediction } from './storm-prediction.js'
export type { TarmacInstanceOptions } from './storm-instances.js'
export type { InstanceModel, StormConnectorModel, StormModelOptions, StormPrediction } from './storm-model.js'
