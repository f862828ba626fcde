// The programmatic surface of `tarmac`: run a command, read its config, and the pieces the benchmarks and
// deploy tests build on. Everything else is the commands' own machinery; tests import it by path.
export { main, MAIN_HELP } from './main.js'
export type { Command, CommandIo } from './command-io.js'
export { CliError, CLI_ERROR_CODES, DEPLOY_FAULTS } from './errors.js'
export type { CliErrorCode, ConfigProblem, DeployFaultCode } from './errors.js'
export { EXIT_CODES } from './exit-codes.js'
export type { ExitCode, ExitCodeMeanings } from './exit-codes.js'
export { CLI_DEFAULTS } from './options.js'
export { configSchema } from './config/config-schema.js'
export type {
  TarmacConfig,
  ServiceConfig,
  DependencyConfig,
  MonitorConfig,
  HealthEndpoint,
} from './config/config-schema.js'
export { loadConfig, parseConfig } from './config/load-config.js'
export type { LoadedConfig } from './config/load-config.js'
export { Monitor } from './monitor/monitor.js'
export type { MonitorOptions, MonitorSnapshot, TargetRow } from './monitor/monitor.js'
export { targetsOf } from './monitor/monitor-targets.js'
export type { MonitorTarget } from './monitor/monitor-targets.js'
export type { CheckResult } from './monitor/check-result.js'
export type { IncidentEvent, IncidentTarget, IncidentVerdict } from './monitor/incident.js'
export { Scheduler } from './monitor/scheduler.js'
export type { ScheduledTarget, SchedulerOptions, SchedulerStats } from './monitor/scheduler.js'
export { percentileOf } from './monitor/lag-recorder.js'
export type { ValidationReport } from './validate/run-criteria.js'
export { checkFleet } from './deploy/fleet-checks.js'
export type { FleetCheck } from './deploy/fleet-checks.js'
export { fleetSchema, fleetServices } from './deploy/fleet-schema.js'
export type { FleetConfig, FleetService } from './deploy/fleet-schema.js'
export { renderPgBouncerIni } from './deploy/pgbouncer-ini.js'
export { diagnosisOf } from './diagnose/model.js'
export type { AnalysisOptions, Fact } from './diagnose/facts.js'
export type { DiagnosisInput } from './diagnose/observations.js'
export type { Verdict } from './diagnose/verdict.js'
export { MATRIX } from './rehearse/fault-matrix.js'
export type { MatrixScenario } from './rehearse/fault-matrix.js'
export { MATRIX_TARGET_SHARE, runMatrix, summarise } from './rehearse/matrix-run.js'
export type { MatrixReport, MatrixResult } from './rehearse/matrix-run.js'
