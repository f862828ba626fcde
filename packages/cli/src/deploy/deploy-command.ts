import type { Command } from '../command-io.js'
import { CliError } from '../errors.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import { deployCheckCommand } from './deploy-check-command.js'

/** The subcommands of `tarmac deploy`. */
export const DEPLOY_SUBCOMMANDS = ['check', 'render'] as const

export const DEPLOY_HELP = `tarmac deploy — plan a deployment from declared budgets

Usage: tarmac deploy <check|render> [options]

Subcommands:
  check    refuse a plan whose numbers cannot work together (connections, probe window,
           connect attempts, the connector's admission rate, Cloud Run's limits)
  render   write the Kubernetes manifests (kustomize base + overlays), the Cloud Run
           services and pgbouncer.ini from the plan; --check compares instead of writing

Both read the plan from tarmac.yaml's fleet: (and, for render, deploy:) section.
Each subcommand has --help with its options, an example and its exit codes.

Example:
  tarmac deploy check --config deploy/tarmac.yaml && tarmac deploy render --config deploy/tarmac.yaml

${exitCodesHelp({
  ok: 'ok (with no subcommand: this help, exit 2)',
  failed: 'the plan does not fit, or the rendered files are stale',
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
  throw new CliError('CLI_ERR_USAGE', `unknown subcommand "${sub}" (${DEPLOY_SUBCOMMANDS.join(', ')})`)
}
