import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { intOption, paintFor, parseOptions, type Command } from '../command-io.js'
import { loadConfig } from '../config/load-config.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import { findRoot } from '../up/up-command.js'
import { SUPERVISOR_FACTS_FILE } from '../up/supervisor-facts.js'
import { renderVerdict, verdictJson } from './diagnose-view.js'
import { gather } from './gather.js'
import { renderHandoff } from './handoff.js'
import { ANALYSIS_DEFAULTS } from './facts.js'
import { diagnosisOf } from './model.js'
import { platformEvidence } from './platform-evidence.js'

/** Exit codes of `tarmac diagnose`. */
export const DIAGNOSE_EXIT_CODES = Object.freeze({
  healthy: EXIT_CODES.ok,
  fault: EXIT_CODES.failed,
  usage: EXIT_CODES.usage,
  failed: EXIT_CODES.internal,
  interrupted: EXIT_CODES.interrupted,
})

export const DIAGNOSE_DEFAULTS = Object.freeze({
  connects: 5,
  timeoutMs: 10_000,
  windowMin: 15,
  dependencyProbes: 3,
  /** Per gcloud/kubectl command with --platform live. */
  platformTimeoutMs: 60_000,
})

export const DIAGNOSE_HELP = `tarmac diagnose — is it the application or the infrastructure? With evidence.

Looks at everything at once and says whose move it is, where, and how sure it is:
  • each service's /health/ready, /health/startup and /health/infrastructure (the failing
    checks and startup attempts carry the domain and layer the service judged them with);
  • each service's in-service probe (POST /health/probe/postgres): fresh connects from inside
    the service, through its own path — the only place a VPC connector is on it;
  • the cold starts the collector recorded (the frontend's /startup-reports): the evidence of
    instances that exited 3 before anyone could look at them;
  • each dependency of tarmac.yaml, probed from here, and the database's capacity
    (max_connections, who holds the slots);
  • with --platform: the platform's own settings held to the plan, as tarmac deploy verify
    reads them — a VPC connector that is not ready or at its maximum (with its throughput), a
    database with fewer slots than planned or at its tier's limit, a revision whose timeouts
    or pools differ from the plan.
Then it weighs the facts (the services' own path counts most), names the verdict — domain
(application, infrastructure, configuration) and layer (dns, tcp, connector, tls,
postgres-auth, postgres-capacity, postgres-availability, pool, …) — with the evidence chain,
what was ruled out, and what would change the verdict.

Usage: tarmac diagnose [options]

Options:
  -c, --config FILE      tarmac.yaml (default ./tarmac.yaml, else the local stack)
      --json             print { verdict: { domain, layer, confidence }, evidence: [...] , … }
      --handoff FILE     also write a markdown handoff for the team that owns the layer
      --connects N       fresh connects per in-service probe, 1–20 (default ${DIAGNOSE_DEFAULTS.connects})
      --timeout-ms MS    per request and per connect (default ${DIAGNOSE_DEFAULTS.timeoutMs})
      --window-min M     recorded cold starts from the last M minutes (default ${DIAGNOSE_DEFAULTS.windowMin})
      --connect-budget-ms MS
                         the budget a connect must fit when no service states its own deadline
                         (default ${ANALYSIS_DEFAULTS.connectBudgetMs}: db-connect of the default criteria)
      --supervisor-facts FILE
                         tarmac up's facts file: the exits (code or signal) and restarts of the
                         services it supervises on this machine (default ${SUPERVISOR_FACTS_FILE}
                         under the checkout, read when it exists)
      --slow-connect-ms MS
                         a successful connect slower than this (p95) is slow (default ${ANALYSIS_DEFAULTS.slowConnectMs})
      --platform SOURCE  also read the platform against tarmac.yaml's plan: live (gcloud and
                         kubectl) or DIR (answers saved by tarmac deploy verify --save DIR)
  -t, --tag TAG          with --platform: the release that should run (default: the commit)
  -h, --help             this help

Reads the health token of each service from its tokenEnv (e.g. HEALTH_TOKEN); without it a
remote service shows no details and no probe, and the verdict says so.

Example:
  tarmac diagnose --handoff handoff.md
  tarmac diagnose --json | jq .verdict
  tarmac diagnose --config deploy/tarmac.yaml --platform live

${exitCodesHelp({
  ok: 'healthy: every service ready and nothing points at a fault',
  failed: 'a fault was found (the verdict may be "unknown" when the evidence cannot say)',
  internal: 'diagnose itself failed (the message says why)',
  interrupted: 'interrupted (Ctrl-C or SIGTERM) while gathering evidence: no verdict',
})}`

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  handoff: { type: 'string' },
  connects: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'window-min': { type: 'string' },
  'connect-budget-ms': { type: 'string' },
  'slow-connect-ms': { type: 'string' },
  'supervisor-facts': { type: 'string' },
  platform: { type: 'string' },
  tag: { type: 'string', short: 't' },
  help: { type: 'boolean', short: 'h' },
} as const

/** `tarmac diagnose`. */
export const diagnoseCommand: Command = async (argv, io) => {
  const { values } = parseOptions(argv, OPTIONS)
  if (values.help) {
    io.stdout.write(DIAGNOSE_HELP)
    return DIAGNOSE_EXIT_CODES.healthy
  }
  const connects = Math.min(20, intOption(values.connects, 'connects', DIAGNOSE_DEFAULTS.connects))
  const timeoutMs = intOption(values['timeout-ms'], 'timeout-ms', DIAGNOSE_DEFAULTS.timeoutMs, 100)
  const windowMin = intOption(values['window-min'], 'window-min', DIAGNOSE_DEFAULTS.windowMin)
  const analysis = {
    connectBudgetMs: intOption(
      values['connect-budget-ms'],
      'connect-budget-ms',
      ANALYSIS_DEFAULTS.connectBudgetMs,
      100,
    ),
    slowConnectMs: intOption(
      values['slow-connect-ms'],
      'slow-connect-ms',
      ANALYSIS_DEFAULTS.slowConnectMs,
      1,
    ),
    windowMs: windowMin * 60_000,
  }
  const supervisorFacts = resolve(
    io.cwd,
    values['supervisor-facts'] ?? join(findRoot(io.cwd), SUPERVISOR_FACTS_FILE),
  )
  const { config, source } = loadConfig(values.config, io.cwd, io.env)
  // Checked before anything is gathered: --platform without a plan is a usage error, not evidence.
  const platform =
    values.platform === undefined
      ? undefined
      : platformEvidence(config, values.platform, io, {
          tag: values.tag,
          timeoutMs: DIAGNOSE_DEFAULTS.platformTimeoutMs,
        })
  try {
    const input = await gather(config, {
      env: io.env,
      connects,
      timeoutMs,
      windowMs: windowMin * 60_000,
      dependencyProbes: DIAGNOSE_DEFAULTS.dependencyProbes,
      supervisorFacts,
      ...(platform && { platform }),
      ...(io.signal && { signal: io.signal }),
    })
    if (io.signal?.aborted) {
      io.stderr.write('tarmac diagnose: interrupted while gathering evidence; no verdict\n')
      return DIAGNOSE_EXIT_CODES.interrupted
    }
    const verdict = diagnosisOf(input, analysis)
    if (values.handoff !== undefined)
      await writeFile(
        resolve(io.cwd, values.handoff),
        renderHandoff(verdict, { at: input.at, config: source }),
      )
    io.stdout.write(
      values.json
        ? `${JSON.stringify(verdictJson(verdict, input.at), null, 2)}\n`
        : renderVerdict(verdict, `tarmac diagnose — ${input.at} (${source})`, paintFor(io)),
    )
    return verdict.status === 'healthy' ? DIAGNOSE_EXIT_CODES.healthy : DIAGNOSE_EXIT_CODES.fault
  } catch (error) {
    io.stderr.write(
      `tarmac diagnose: diagnose itself failed: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    return DIAGNOSE_EXIT_CODES.failed
  }
}
