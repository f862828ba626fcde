import { deriveStartupReportCredential } from '@tarmac/service'
import { parseOptions, type Command, type CommandIo } from '../command-io.js'
import { CliError } from '../errors.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import {
  STARTUP_REPORT_SECRET_KEY,
  STARTUP_REPORT_SENDERS,
  type StartupReportSender,
} from './service-catalog.js'

export const DEPLOY_CREDENTIALS_HELP = `tarmac deploy credentials — a service's cold-start collector credential, from the collector's secret

The frontend's collector holds the secret (its STARTUP_REPORT_TOKEN, the secret key
${STARTUP_REPORT_SECRET_KEY}); each service that reports its cold starts holds only its own credential,
tsr1.<service>.<HMAC-SHA256(secret, "tarmac-startup-report:<service>")>, under the key
startup-report-credential-<service>. From the secret anyone can derive every service's credential, so
only the frontend gets it (docs/security.md, "The cold-start collector").

Reads the secret from standard input (one line; a trailing newline is dropped), or from the
environment variable --secret-env names — never from the command line, where ps and the shell's
history would keep it. Prints the credential and a newline, nothing else.

Usage: tarmac deploy credentials --service <${STARTUP_REPORT_SENDERS.join('|')}> [--secret-env VAR]

Options:
  -s, --service NAME     the service the credential is for: ${STARTUP_REPORT_SENDERS.join(', ')}
      --secret-env VAR   read the secret from the environment variable VAR instead of stdin
  -h, --help             this help

Example:
  SECRET=$(openssl rand -hex 24)
  printf %s "$SECRET" | npx tarmac deploy credentials --service backend
  STARTUP_REPORT_SECRET=$SECRET npx tarmac deploy credentials --service auth --secret-env STARTUP_REPORT_SECRET

${exitCodesHelp({
  ok: 'the credential is printed',
  failed: 'not used by this subcommand',
  usage:
    'no or an unknown --service, no secret (empty input, an unset variable), a secret shorter than 16 characters or of more than one line',
})}`

const OPTIONS = {
  service: { type: 'string', short: 's' },
  'secret-env': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The collector's minimum (the frontend refuses a shorter STARTUP_REPORT_TOKEN). */
const SECRET_MIN_CHARACTERS = 16
/** More than any secret: input past it is not one. */
const STDIN_MAX_BYTES = 64 * 1024

const isSender = (name: string): name is StartupReportSender =>
  (STARTUP_REPORT_SENDERS as readonly string[]).includes(name)

async function readStdin(io: CommandIo): Promise<string> {
  if (!io.stdin)
    throw new CliError('CLI_ERR_USAGE', 'no standard input to read the secret from: use --secret-env')
  if (io.stdin.isTTY) io.stderr.write('reading the collector secret from standard input (end with Ctrl-D)\n')
  const chunks: Buffer[] = []
  let bytes = 0
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    bytes += buffer.length
    if (bytes > STDIN_MAX_BYTES)
      throw new CliError('CLI_ERR_USAGE', `standard input is over ${STDIN_MAX_BYTES} bytes: not a secret`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The secret as given, its one trailing newline dropped; refused (never echoed) when it cannot be the collector's. */
function secretFrom(text: string, where: string): string {
  const secret = text.replace(/\r?\n$/, '')
  if (secret === '') throw new CliError('CLI_ERR_USAGE', `no secret in ${where}`)
  if (/[\r\n]/.test(secret))
    throw new CliError('CLI_ERR_USAGE', `the secret in ${where} is more than one line`)
  if (secret.length < SECRET_MIN_CHARACTERS)
    throw new CliError(
      'CLI_ERR_USAGE',
      `the secret in ${where} has ${secret.length} characters; the collector takes at least ${SECRET_MIN_CHARACTERS}`,
    )
  return secret
}

/** `tarmac deploy credentials`. */
export const deployCredentialsCommand: Command = async (argv, io) => {
  const { values } = parseOptions(argv, OPTIONS)
  if (values.help) {
    io.stdout.write(DEPLOY_CREDENTIALS_HELP)
    return EXIT_CODES.ok
  }
  const service = values.service
  if (service === undefined)
    throw new CliError('CLI_ERR_USAGE', `--service is required (${STARTUP_REPORT_SENDERS.join(', ')})`)
  if (!isSender(service))
    throw new CliError(
      'CLI_ERR_USAGE',
      service === 'frontend'
        ? 'the frontend is the collector: it holds the secret itself (startup-report-token), not a credential'
        : `unknown --service "${service}": credentials are for ${STARTUP_REPORT_SENDERS.join(', ')}`,
    )
  const variable = values['secret-env']
  let secret: string
  if (variable !== undefined) {
    const value = io.env[variable]
    if (value === undefined)
      throw new CliError('CLI_ERR_USAGE', `--secret-env ${variable}: the variable is not set`)
    secret = secretFrom(value, `$${variable}`)
  } else secret = secretFrom(await readStdin(io), 'standard input')
  io.stdout.write(`${deriveStartupReportCredential(secret, service)}\n`)
  return EXIT_CODES.ok
}
