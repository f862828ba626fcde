export { main, MAIN_HELP } from './main.js'
export type { Command, CommandIo } from './command-io.js'
export { CliError, CLI_ERROR_CODES, DEPLOY_FAULTS, formatProblem } from './errors.js'
export type { CliErrorCode, ConfigProblem, DeployFaultCode } from './errors.js'
export { CLI_DEFAULTS, LOCAL_STACK } from './options.js'
export { EXIT_CODES, exitCodesHelp } from './exit-codes.js'
export type { ExitCode, ExitCodeMeanings } from './exit-codes.js'
export {
  configSchema,
  healthPath,
  websocketUrl,
  HEALTH_ENDPOINTS,
  DEFAULT_ENDPOINTS,
} from './config/config-schema.js'
export { ALERT_DEFAULTS, alertsSchema, maintenanceWindowSchema } from './config/alert-schema.js'
export type { AlertsConfig, MaintenanceWindow } from './config/alert-schema.js'
export type {
  TarmacConfig,
  ServiceConfig,
  DependencyConfig,
  MonitorConfig,
  HealthEndpoint,
} from './config/config-schema.js'
export { loadConfig, parseConfig, localStackConfig } from './config/load-config.js'
export type { LoadedConfig } from './config/load-config.js'
export { parseYaml } from './config/yaml-source.js'
export { expandEnv } from './config/env-expand.js'
export { fetchHealth, isFetchFailure } from './health/health-fetch.js'
export type { HealthResponse, HealthFetchOptions } from './health/health-fetch.js'
export { verdictOf } from './health/health-verdict.js'
export type { HealthVerdict } from './health/health-verdict.js'
export { Scheduler } from './monitor/scheduler.js'
export type { ScheduledTarget, DispatchInfo, SchedulerOptions, SchedulerStats } from './monitor/scheduler.js'
export { LagRecorder, percentileOf } from './monitor/lag-recorder.js'
export { TargetWindow } from './monitor/target-window.js'
export type { TargetSummary } from './monitor/target-window.js'
export { CHECK_STATES, TARGET_STATUSES } from './monitor/check-result.js'
export type { CheckResult, CheckState, TargetStatus } from './monitor/check-result.js'
export { Monitor } from './monitor/monitor.js'
export type { MonitorOptions, MonitorSnapshot, TargetRow } from './monitor/monitor.js'
export { TARGET_CONDITIONS } from './monitor/check-result.js'
export type { TargetCondition } from './monitor/check-result.js'
export { conditionOf } from './monitor/target-window.js'
export { TokenSource } from './monitor/token-source.js'
export { measureWebSocket } from './monitor/websocket-check.js'
export { HistoryStore } from './monitor/history-store.js'
export type { HistoryLine, Transition } from './monitor/history-store.js'
export { UptimeLedger, UPTIME_WINDOWS } from './monitor/uptime-ledger.js'
export type { UptimeWindow, UptimeBucket } from './monitor/uptime-ledger.js'
export { Alerter } from './monitor/alerter.js'
export type { AlerterOptions, AlertObservation } from './monitor/alerter.js'
export { ALERT_EVENTS, ALERT_DISPOSITIONS } from './monitor/alert-event.js'
export type { AlertEvent, AlertEventName, AlertDisposition, AlertError } from './monitor/alert-event.js'
export { webhookSink, commandSink, alertEnv } from './monitor/alert-sinks.js'
export type { AlertSink, DeliveryOutcome, WebhookOptions } from './monitor/alert-sinks.js'
export { alerterFor, parseLimit } from './monitor/alert-setup.js'
export { MaintenanceCalendar } from './monitor/maintenance.js'
export type { ActiveMaintenance } from './monitor/maintenance.js'
export { createMonitorMetrics, serveMetrics } from './monitor/monitor-metrics.js'
export type { MonitorMetrics } from './monitor/monitor-metrics.js'
export { targetsOf, TARGET_KINDS } from './monitor/monitor-targets.js'
export type { MonitorTarget, TargetKind } from './monitor/monitor-targets.js'
export { runCheck, fromProbe } from './monitor/run-check.js'
export { renderSnapshot } from './monitor/monitor-view.js'
export { monitorCommand, MONITOR_EXIT_CODES, MONITOR_HELP } from './monitor/monitor-command.js'
export { criteriaSchema, checkSchema, CHECK_TYPES } from './validate/criteria-schema.js'
export type { Criteria, CriteriaCheck, CheckType, JsonCondition } from './validate/criteria-schema.js'
export { readPath, failedCondition } from './validate/json-path.js'
export { runCriteria } from './validate/run-criteria.js'
export type { CheckOutcome, ValidationReport } from './validate/run-criteria.js'
export { VALIDATE_ERROR_CLASSES } from './validate/sample.js'
export type { Sample, SampleFailure } from './validate/sample.js'
export { toJunit } from './validate/junit.js'
export { renderReport } from './validate/validate-view.js'
export {
  validateCommand,
  loadCriteria,
  VALIDATE_EXIT_CODES,
  VALIDATE_HELP,
  DEFAULT_CRITERIA_FILE,
} from './validate/validate-command.js'
export { upCommand, UP_HELP, UP_PHASES, findRoot } from './up/up-command.js'
export { formatLogLine } from './up/log-line.js'
export {
  diagnoseCommand,
  DIAGNOSE_EXIT_CODES,
  DIAGNOSE_DEFAULTS,
  DIAGNOSE_HELP,
} from './diagnose/diagnose-command.js'
export { gather } from './diagnose/gather.js'
export type { GatherOptions } from './diagnose/gather.js'
export type { DiagnosisInput, ServiceObservation, DependencyObservation } from './diagnose/observations.js'
export { analyse, allReady, evidenceGaps } from './diagnose/analyse.js'
export type { Fact } from './diagnose/facts.js'
export { decide, CONFIDENCES } from './diagnose/verdict.js'
export type { Verdict, Confidence } from './diagnose/verdict.js'
export { renderVerdict, verdictJson } from './diagnose/diagnose-view.js'
export { renderHandoff } from './diagnose/handoff.js'
export { LAYER_GUIDANCE } from './diagnose/layer-guidance.js'
export {
  rehearseCommand,
  rehearseScenario,
  REHEARSE_EXIT_CODES,
  REHEARSE_HELP,
} from './rehearse/rehearse-command.js'
export type { RehearsalResult } from './rehearse/rehearse-command.js'
export { SCENARIOS } from './rehearse/scenarios.js'
export type { Scenario, Injection } from './rehearse/scenarios.js'
export { faults, judge } from './faults.js'
export type { Judgement } from './faults.js'
export { deployCommand, DEPLOY_HELP, DEPLOY_SUBCOMMANDS } from './deploy/deploy-command.js'
export { deployCheckCommand, loadFleet, DEPLOY_CHECK_HELP } from './deploy/deploy-check-command.js'
export { checkFleet } from './deploy/fleet-checks.js'
export type { FleetCheck } from './deploy/fleet-checks.js'
export {
  fleetSchema,
  fleetServices,
  usableConnections,
  FLEET_DEFAULTS,
  PLATFORMS,
  DATABASE_ROUTES,
} from './deploy/fleet-schema.js'
export type { FleetConfig, FleetService, Platform, DatabaseRoute } from './deploy/fleet-schema.js'
export { renderSchema } from './deploy/render-schema.js'
export type { RenderConfig } from './deploy/render-schema.js'
export { CLOUD_RUN_LIMITS } from './deploy/platform-limits.js'
export {
  renderPgBouncerIni,
  pgbouncerSettings,
  PGBOUNCER_PATHS,
  PGBOUNCER_PORT,
} from './deploy/pgbouncer-ini.js'
