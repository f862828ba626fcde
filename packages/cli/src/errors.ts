import { defineFaults } from '@tarmac/faults'

/** Every code `tarmac` can fail with, with its fault domain and layer. */
export const CLI_FAULTS = defineFaults('tarmac', {
  CLI_ERR_USAGE: {
    domain: 'configuration',
    layer: 'client',
    meaning: 'an unknown option, a bad option value, or nothing to do',
    action: 'read `tarmac <command> --help`',
  },
  CLI_ERR_CONFIG_NOT_FOUND: {
    domain: 'configuration',
    layer: 'client',
    meaning: 'the `--config` or `--criteria` file does not exist',
    action: 'fix the path (without `--config`, a missing `./tarmac.yaml` is fine)',
  },
  CLI_ERR_CONFIG_INVALID: {
    domain: 'configuration',
    layer: 'client',
    meaning: '`tarmac.yaml` is not valid; every problem is listed as `file:line:column: path: message`',
    action: 'fix the lines named; set the environment variables it names',
  },
  CLI_ERR_CRITERIA_INVALID: {
    domain: 'configuration',
    layer: 'client',
    meaning: 'the criteria file is not valid (same format), or a check names neither service nor url',
    action: 'fix the lines named',
  },
  CLI_ERR_SERVICE_NOT_FOUND: {
    domain: 'configuration',
    layer: 'client',
    meaning: 'a check names a service or dependency the config does not have',
    action: 'add it to `tarmac.yaml`, or fix the name (the message lists the known ones)',
  },
  CLI_ERR_SERVICE_EXITED: {
    defers: true,
    domain: 'application',
    layer: 'process',
    meaning: '`tarmac up`: a service exited before its `/health/startup` answered 200',
    action: 'read its last log lines above: they name the phase, component, error, domain and layer',
  },
  CLI_ERR_REDIS_UNAVAILABLE: {
    domain: 'configuration',
    layer: 'redis',
    meaning:
      '`tarmac up --backends N` (N > 1): no REDIS_URL and no `redis-server` to start, or the one started exited — backends share run events only through Redis',
    action: 'set REDIS_URL (or --redis-url), or install redis-server (`apt-get install -y redis-server`)',
  },
  CLI_ERR_WS_REJECTED: {
    domain: 'application',
    layer: 'auth-service',
    meaning:
      '`monitor`: the backend closed the WebSocket with 4401 for a token its auth service had just issued',
    action:
      "compare the backend's `AUTH_URL` with the auth service in `tarmac.yaml`; read the backend's `auth-jwks` check",
  },
  CLI_ERR_WS_HANDSHAKE: {
    defers: true,
    meaning:
      "`monitor`: the WebSocket upgrade was answered with an HTTP status (the body's code, when there is one, says whose)",
    action: "read the backend's `/health/ready`: a 503 while it starts or drains is expected",
  },
  CLI_ERR_WS_CLOSED: {
    domain: 'application',
    layer: 'application',
    meaning: '`monitor`: the WebSocket closed before `auth.ok`, with a code other than 4401',
    action: "read the backend's logs around that time; the close code and reason are in the message",
  },
  CLI_ERR_TOKEN_UNAVAILABLE: {
    defers: true,
    meaning:
      "`monitor`: the auth service gave no access token for the WebSocket check (the answer's code says whose)",
    action: "read the auth service's `/health/ready`; the WebSocket check is retried on the next interval",
  },
  CLI_ERR_ALERT_WEBHOOK: {
    defers: true,
    domain: 'configuration',
    layer: 'client',
    meaning: '`monitor`: an alert could not be delivered to `--alert-webhook` after every attempt',
    action: 'check that the receiver answers 2xx to a JSON POST; the event is still in the history',
  },
  CLI_ERR_ALERT_COMMAND: {
    domain: 'configuration',
    layer: 'client',
    meaning: '`monitor`: `--alert-command` exited non-zero, was killed at its timeout, or could not start',
    action: 'run the command by hand with the event on stdin (the history keeps it)',
  },
  CLI_ERR_TLS_CERT_EXPIRING: {
    domain: 'infrastructure',
    layer: 'tls',
    meaning:
      "`monitor`: a `tls` target's certificate expires in fewer days than its `minDaysLeft` (a warning: the target is degraded)",
    action: 'renew the certificate (or fix the renewal job) before it expires; the message says when it does',
  },
  CLI_ERR_TLS_CERT_EXPIRED: {
    domain: 'infrastructure',
    layer: 'tls',
    meaning: "`monitor`: a `tls` target's certificate has expired (the target is down)",
    action: 'renew the certificate and reload whatever serves it',
  },
  CLI_ERR_METRICS_LISTEN: {
    domain: 'configuration',
    layer: 'client',
    meaning: '`monitor --metrics-port`: the port could not be opened (in use, or not allowed)',
    action: 'pick a free port, or stop what holds it',
  },
  CLI_ERR_PLATFORM_DENIED: {
    domain: 'configuration',
    layer: 'client',
    meaning:
      '`deploy verify`, `diagnose --platform`: gcloud or kubectl was refused (permission denied, forbidden, no credentials); every refused read is listed',
    action:
      'give the caller read access — `roles/run.viewer`, `roles/vpcaccess.viewer`, `roles/cloudsql.viewer`; in Kubernetes get/list on deployments, horizontalpodautoscalers, configmaps and pods in the namespace — or `gcloud auth login`; or verify saved answers with `--from DIR`',
  },
  CLI_ERR_PLATFORM_TOOL_MISSING: {
    domain: 'configuration',
    layer: 'client',
    meaning:
      '`deploy verify`, `diagnose --platform`: gcloud or kubectl is not installed (or not on the PATH)',
    action:
      'install it, or save the answers where it is installed (`deploy verify --save DIR`) and read them here with `--from DIR`',
  },
  CLI_ERR_PLATFORM_ANSWER_INVALID: {
    domain: 'configuration',
    layer: 'client',
    meaning:
      '`deploy verify --from DIR`: an answer is missing from the directory, is not JSON, or is not the shape its API defines',
    action: 'save it again with the command the message prints (JSON output), or `deploy verify --save DIR`',
  },
  CLI_ERR_PLATFORM_FAILED: {
    domain: 'infrastructure',
    layer: 'client',
    meaning:
      '`deploy verify`: gcloud or kubectl failed for another reason (no network to the API, a timeout, an API error); exit 3',
    action: 'run the command the message prints by hand; retry when the API answers',
  },
})

/** Every code `tarmac` can fail with: a closed list, each documented in the README. */
export const CLI_ERROR_CODES = CLI_FAULTS.codes
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number]

/** One problem found in a YAML file, with the line and column it points at (1-based; 0 when unknown). */
export interface ConfigProblem {
  readonly path: string
  readonly message: string
  readonly line: number
  readonly column: number
}

/** An error of the CLI; `problems` lists every problem of an invalid file, each pointing at its line. */
export class CliError extends Error {
  readonly problems: readonly ConfigProblem[]
  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown; problems?: readonly ConfigProblem[] },
  ) {
    super(message, options)
    this.name = 'CliError'
    this.problems = options?.problems ?? []
  }
}

/** `file:line:column: path: message`, the way compilers point at a line. */
export function formatProblem(file: string, problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${file}:${problem.line}:${problem.column}` : file
  return `${where}: ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}`
}

/**
 * What `tarmac deploy check` refuses a plan for, and what `tarmac deploy render --check` finds: each a value
 * someone set that cannot work together with another — the fix is a number in tarmac.yaml, not code.
 */
export const DEPLOY_FAULTS = defineFaults('tarmac deploy', {
  DEPLOY_CONNECTIONS_OVER_BUDGET: {
    domain: 'configuration',
    layer: 'postgres-capacity',
    meaning:
      "every direct instance's pool (surge included) plus the pooler's server connections exceed max_connections − reserved − held by others",
    action:
      'lower poolMax or maxInstances, route services through the pooler, or raise max_connections: the line gives the numbers',
  },
  DEPLOY_POOLER_CLIENTS_OVER_LIMIT: {
    domain: 'configuration',
    layer: 'pool',
    meaning: "the pooled services' instances × poolMax exceed the pooler's max_client_conn",
    action: 'raise maxClientConnections (max_client_conn) or lower poolMax',
  },
  DEPLOY_PROBE_WINDOW_TOO_SHORT: {
    domain: 'configuration',
    layer: 'startup',
    meaning:
      'the startup probe window is shorter than the startup deadline plus the margin: the platform kills the instance before it can report why',
    action: 'raise startupProbeWindowMs or lower startupDeadlineMs',
  },
  DEPLOY_PROBE_WINDOW_OVER_PLATFORM: {
    domain: 'configuration',
    layer: 'startup',
    meaning:
      "the startup probe window exceeds the platform's cap (Cloud Run: failureThreshold × periodSeconds ≤ 240 s)",
    action: 'lower startupProbeWindowMs and startupDeadlineMs to fit the cap',
  },
  DEPLOY_CONNECT_ATTEMPTS_OVER_DEADLINE: {
    domain: 'configuration',
    layer: 'startup',
    meaning:
      'connectAttempts × connectTimeoutMs plus the backoff between them exceed the startup deadline: a slow connector gets one try',
    action: 'lower connectTimeoutMs (DB_CONNECT_TIMEOUT_MS) or raise startupDeadlineMs',
  },
  DEPLOY_COLD_START_OVER_CONNECTOR: {
    domain: 'configuration',
    layer: 'connector',
    meaning:
      'a cold start of every instance at once needs more connector establishments than its admission rate gives within the startup deadline',
    action:
      'raise the connector capacity, lower maxInstances, or give the services a longer deadline (within the probe window)',
  },
  DEPLOY_COLD_START_PREDICTED_NOT_READY: {
    domain: 'configuration',
    layer: 'connector',
    meaning:
      'the storm model predicts that a cold start of the whole fleet leaves instances not ready within the startup deadline (the connector too slow, or too few server slots: 53300)',
    action:
      'raise the connector capacity or its minimum instances, give the fleet server slots (a pooler, max_connections), or lower maxInstances',
  },
  DEPLOY_SHUTDOWN_OVER_GRACE: {
    domain: 'configuration',
    layer: 'process',
    meaning: "drain plus stop budget exceed the platform's grace after SIGTERM (Cloud Run: 10 s)",
    action: 'lower drainDelayMs (DRAIN_DELAY_MS) or stopBudgetMs',
  },
  DEPLOY_CONCURRENCY_OVER_PLATFORM: {
    domain: 'configuration',
    layer: 'application',
    meaning: "concurrency exceeds the platform's limit (Cloud Run: containerConcurrency ≤ 1000)",
    action: 'lower concurrency; raise maxInstances to carry the load',
  },
  DEPLOY_IMAGE_UNRELEASED: {
    domain: 'configuration',
    layer: 'application',
    meaning:
      'the images are not named by a release: tagged `latest` (whatever was pushed last runs, and a restart may pull another build), or no release could be named at all',
    action:
      'render and deploy with `--tag <release>` (default: the commit, `git rev-parse --short HEAD`); never deploy `latest`',
  },
  DEPLOY_NOT_DEPLOYED: {
    domain: 'configuration',
    layer: 'process',
    meaning:
      '`deploy verify`: a service, connector or instance the plan names does not exist on the platform',
    action:
      'deploy it (`tarmac deploy render`, then the platform command the line gives), or fix its name in the plan',
  },
  DEPLOY_DRIFT_RELEASE: {
    domain: 'configuration',
    layer: 'application',
    meaning: '`deploy verify`: another release runs than the one the plan names (`--tag`, else the commit)',
    action: "deploy the plan's release, or verify with `--tag` naming the release that is meant to run",
  },
  DEPLOY_DRIFT_TIMEOUTS: {
    domain: 'configuration',
    layer: 'startup',
    meaning:
      "`deploy verify`: a running revision's connect timeout, startup deadline, drain delay or startup probe differs from the plan (a revision still carrying an old timeout)",
    action: "roll the plan's values out (the line gives the command), or move traffic off the old revision",
  },
  DEPLOY_DRIFT_CONNECTIONS: {
    domain: 'configuration',
    layer: 'postgres-capacity',
    meaning:
      '`deploy verify`: pool size, fleet size, pooler mode or maximum instances as deployed differ from the plan, or the budget they make does not fit the live max_connections',
    action: "roll the plan's values out, or change the plan and run `tarmac deploy check` again",
  },
  DEPLOY_DRIFT_SCALING: {
    domain: 'configuration',
    layer: 'application',
    meaning: '`deploy verify`: minimum instances or concurrency as deployed differ from the plan',
    action: "roll the plan's values out (the line gives the command)",
  },
  DEPLOY_DRIFT_NETWORK: {
    domain: 'configuration',
    layer: 'connector',
    meaning:
      "`deploy verify`: a revision's VPC connector, egress or mounted Cloud SQL instances differ from the plan",
    action: "attach the plan's connector, egress and instance (the line gives the command)",
  },
  DEPLOY_DRIFT_CONNECTOR: {
    domain: 'infrastructure',
    layer: 'connector',
    meaning:
      "`deploy verify`: the VPC connector's minimum or maximum instances or machine type differ from the plan: it admits fewer connections while cold than the plan counts on",
    action:
      "`gcloud compute networks vpc-access connectors update` with the plan's values (the line gives it)",
  },
  DEPLOY_CONNECTOR_NOT_READY: {
    domain: 'infrastructure',
    layer: 'connector',
    meaning: '`deploy verify`: the VPC connector is not READY (CREATING, UPDATING, DELETING, ERROR)',
    action: 'wait for an operation in progress; an ERROR connector has to be recreated',
  },
  DEPLOY_DRIFT_DATABASE: {
    domain: 'infrastructure',
    layer: 'postgres-capacity',
    meaning:
      "`deploy verify`: the database has fewer connection slots (its `max_connections` flag, or its tier's default) than the plan budgets",
    action:
      'set the flag or a larger tier, or lower fleet.database.maxConnections and run `tarmac deploy check`',
  },
  DEPLOY_DATABASE_NOT_RUNNABLE: {
    domain: 'infrastructure',
    layer: 'postgres-availability',
    meaning:
      '`deploy verify`: the Cloud SQL instance is not serving (state other than RUNNABLE, or stopped: activation policy NEVER)',
    action: "look at the instance's operations; start it (`--activation-policy ALWAYS`) if it was stopped",
  },
  DEPLOY_DRIFT_SECRETS: {
    domain: 'configuration',
    layer: 'application',
    meaning:
      "`deploy verify`: backend's or auth's `STARTUP_REPORT_TOKEN` reads the collector's secret (it could forge any service's records), or nothing",
    action:
      '`tarmac deploy credentials --service <service>` into `startup-report-credential-<service>`, then roll out',
  },
  DEPLOY_DRIFT_POOLER: {
    domain: 'configuration',
    layer: 'pool',
    meaning: "`deploy verify`: the running PgBouncer's settings or replicas differ from the plan's pooler",
    action: 'apply the rendered pgbouncer.ini (`kubectl apply -k deploy/pgbouncer`), or change the plan',
  },
  DEPLOY_RENDER_STALE: {
    domain: 'configuration',
    layer: 'client',
    meaning:
      '`tarmac deploy render --check`: a committed file differs from a fresh render of the plan (or is missing)',
    action: 'run `tarmac deploy render` and commit what it writes; never edit rendered files by hand',
  },
})

/** The codes of `DEPLOY_FAULTS`. */
export type DeployFaultCode = (typeof DEPLOY_FAULTS.codes)[number]
