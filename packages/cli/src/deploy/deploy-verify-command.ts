import { relative, resolve } from 'node:path'
import { intOption, paintFor, parseOptions, type Command } from '../command-io.js'
import { CliError } from '../errors.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import { loadFleet } from './deploy-check-command.js'
import { PLATFORMS, type Platform } from './fleet-schema.js'
import { matches } from './platform/findings.js'
import { liveSource, savedSource, type PlatformSource } from './platform/platform-source.js'
import { verifyPlatform } from './platform/verify-platform.js'
import { renderFindings } from './platform/verify-view.js'
import { resolveRelease, withRelease } from './release.js'
import { renderSchema } from './render-schema.js'

export const VERIFY_DEFAULTS = Object.freeze({ timeoutMs: 60_000 })

export const DEPLOY_VERIFY_HELP = `tarmac deploy verify — hold what runs to the plan

Reads the live settings and compares them with tarmac.yaml's plan, one line per setting:

  cloud-run       each service, and each revision serving its traffic: image and the digest it
                  resolved to, DB_CONNECT_TIMEOUT_MS, STARTUP_DEADLINE_MS, DB_POOL_MAX,
                  DB_FLEET_SIZE, DB_POOLER…, the startup probe, min/max instances, concurrency,
                  the VPC connector and egress, the mounted Cloud SQL instance
  vpc connector   state, min/max instances, machine type, throughput
  cloud sql       state, max_connections (its flag, else the tier's documented default)
  kubernetes      each Deployment with its ConfigMap, HPA and the digest its pods run; the
                  running PgBouncer's replicas and pgbouncer.ini
  the budget      deploy check's connection budget with the deployed numbers

Each drift says what the plan says, what runs, why it matters in a cold-start storm, and the
fix (a command, or a change to the plan), with its code.

Sources: the platforms' own tools (gcloud … --format=json, kubectl get … -o json), or a
directory of their saved answers (--from DIR: for air-gapped use and CI; --save DIR writes one).

Usage: tarmac deploy verify [options]

Options:
  -c, --config FILE      the plan (default ./tarmac.yaml)
      --from DIR         read saved answers instead of running gcloud and kubectl
      --save DIR         also save every answer read live into DIR (for a later --from)
      --platform NAME    cloud-run or kubernetes (repeatable; default: the plan's platforms)
  -t, --tag TAG          the release that should run (default: git rev-parse --short HEAD)
      --timeout-ms MS    per gcloud/kubectl command (default ${VERIFY_DEFAULTS.timeoutMs})
      --json             print { matches, source, release, findings: [{ resource, subject,
                         status, plan?, live, why?, fix?, code? }] }
  -h, --help             this help

Example:
  tarmac deploy verify --config deploy/tarmac.yaml --tag 3f9c2d1
  tarmac deploy verify --config deploy/tarmac.yaml --from ./platform-answers --platform cloud-run

${exitCodesHelp({
  ok: 'what runs matches the plan',
  failed: 'something drifted (every drift is listed)',
  usage:
    'invalid usage or config; the platform refused to be read (CLI_ERR_PLATFORM_DENIED), gcloud or kubectl is missing, or a saved answer is missing or malformed',
  internal: 'tarmac failed, or gcloud/kubectl failed for another reason (CLI_ERR_PLATFORM_FAILED)',
})}`

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  from: { type: 'string' },
  save: { type: 'string' },
  platform: { type: 'string', multiple: true },
  tag: { type: 'string', short: 't' },
  'timeout-ms': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The `--platform` values, checked. */
export function platformOptions(values: readonly string[] | undefined): Platform[] {
  return (values ?? []).map((value) => {
    if (!(PLATFORMS as readonly string[]).includes(value))
      throw new CliError('CLI_ERR_USAGE', `--platform must be one of ${PLATFORMS.join(', ')}, got "${value}"`)
    return value as Platform
  })
}

/** Saved answers with `--from`, else the live tools (optionally saving what they answer). */
export function platformSource(
  values: { from?: string | undefined; save?: string | undefined; timeoutMs: number },
  io: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined },
): PlatformSource {
  if (values.from !== undefined && values.save !== undefined)
    throw new CliError('CLI_ERR_USAGE', '--from reads saved answers and --save writes live ones: choose one')
  if (values.from !== undefined) return savedSource(resolve(io.cwd, values.from))
  return liveSource({
    env: io.env,
    timeoutMs: values.timeoutMs,
    ...(values.save !== undefined && { saveDir: resolve(io.cwd, values.save) }),
    ...(io.signal && { signal: io.signal }),
  })
}

/** `tarmac deploy verify`. */
export const deployVerifyCommand: Command = async (argv, io) => {
  const { values } = parseOptions(argv, OPTIONS)
  if (values.help) {
    io.stdout.write(DEPLOY_VERIFY_HELP)
    return EXIT_CODES.ok
  }
  const platforms = platformOptions(values.platform)
  const timeoutMs = intOption(values['timeout-ms'], 'timeout-ms', VERIFY_DEFAULTS.timeoutMs, 100)
  const { fleet, deploy, source } = loadFleet(values.config, io.cwd, io.env)
  const config = deploy ?? renderSchema.parse({})
  const release = resolveRelease(config, { tag: values.tag, cwd: io.cwd })
  const render = withRelease(config, release)
  const from = platformSource({ from: values.from, save: values.save, timeoutMs }, io)
  const interrupted = () => {
    io.stderr.write('tarmac deploy verify: interrupted while reading the platform; nothing compared\n')
    return EXIT_CODES.interrupted
  }
  let findings
  try {
    ;({ findings } = await verifyPlatform(fleet, render, { source: from, platforms }))
  } catch (error) {
    if (io.signal?.aborted) return interrupted()
    throw error
  }
  if (io.signal?.aborted) return interrupted()
  const same = matches(findings)
  if (values.json)
    io.stdout.write(
      `${JSON.stringify({ matches: same, source: from.label, release: render.tag, findings }, null, 2)}\n`,
    )
  else
    io.stdout.write(
      renderFindings(
        findings,
        `tarmac deploy verify: ${relative(io.cwd, source) || source} (release ${render.tag}) against ${from.label}`,
        paintFor(io),
      ),
    )
  return same ? EXIT_CODES.ok : EXIT_CODES.failed
}
