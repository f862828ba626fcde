import type { Command } from '../command-io.js'
import { CliError } from '../errors.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import { deployCheckCommand } from './deploy-check-command.js'

/** The subcommands of `tarmac deploy`. */
export const DEPLOY_SUBCOMMANDS = ['check', 'render', 'verify', 'credentials'] as const

export const DEPLOY_HELP = `tarmac deploy — plan a deployment from declared budgets

Usage: tarmac deploy <check|render|verify|credentials> [options]

Subcommands:
  check        refuse a plan whose numbers cannot work together (connections, probe window,
               connect attempts, the connector's admission rate, Cloud Run's limits)
  render       write the Kubernetes manifests (kustomize base + overlays), the Cloud Run
               services and pgbouncer.ini from the plan; --check compares instead of writing
  verify       read what runs (Cloud Run, the VPC connector, Cloud SQL, Kubernetes — live with
               gcloud/kubectl, or saved answers with --from DIR) and hold it to the plan
  credentials  print a service's cold-start collector credential, derived from the
               collector's secret read from stdin (or --secret-env VAR)

check, render and verify read the plan from tarmac.yaml's fleet: (and, for render and verify, deploy:)
section.
Each subcommand has --help with its options, an example and its exit codes.

Example:
  tarmac deploy check --config deploy/tarmac.yaml && tarmac deploy render --config deploy/tarmac.yaml

${exitCodesHelp({
  ok: 'ok (with no subcommand: this help, exit 2)',
  failed: 'the plan does not fit, the rendered files are stale, or what runs drifted from the plan',
})}`

/** `tarmac deploy <subcommand>`. */
export const deployCommand: Command = async (argv, io) => {
  const [sub, ...rest] = argv
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(DEPLOY_HELP)
    return sub === undefined ? EXIT_CODES.usage : EXIT_CODES.ok
  }
  if (sub === 'check') return deployCheckCommand(rest, io)
  if (sub === 'render') {
    // Loaded on demand: rendering needs @tarmac/health (and its Fastify plugin) only here.
    const { deployRenderCommand } = await import('./deploy-render-command.js')
    return deployRenderCommand(rest, io)
  }
  if (sub === 'verify') {
    // The comparisons render the plan to compare with: loaded on demand, like render.
    const { deployVerifyCommand } = await import('./deploy-verify-command.js')
    return deployVerifyCommand(rest, io)
  }
  if (sub === 'credentials') {
    const { deployCredentialsCommand } = await import('./deploy-credentials-command.js')
    return deployCredentialsCommand(rest, io)
  }
  throw new CliError('CLI_ERR_USAGE', `unknown subcommand "${sub}" (${DEPLOY_SUBCOMMANDS.join(', ')})`)
}
