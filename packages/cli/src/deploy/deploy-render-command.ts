import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { paintFor, parseOptions, type Command } from '../command-io.js'
import { loadConfig } from '../config/load-config.js'
import { CliError } from '../errors.js'
import { EXIT_CODES, exitCodesHelp } from '../exit-codes.js'
import { checkFleet } from './fleet-checks.js'
import { releaseCheck, resolveRelease, withRelease } from './release.js'
import { renderPlan } from './render-plan.js'
import { renderSchema } from './render-schema.js'

export const DEPLOY_RENDER_HELP = `tarmac deploy render — write Kubernetes, Cloud Run and PgBouncer files from the plan

Renders the plan in tarmac.yaml (fleet: budgets, deploy: images and platform settings) into:

  kubernetes/base/     kustomization, namespace, one file per service (ConfigMap of plain env,
                       Deployment, Service; the backend's HPA; a PodDisruptionBudget), Redis
  pgbouncer/           pgbouncer.ini (transaction pooling, sizes from fleet.pooler), its
                       Deployment, Service and kustomization (with fleet.pooler)
  cloud-run/           one Knative service YAML per service (with deploy.cloudRun)

Images are named by the release: <registry>/<service>:<tag>, the tag from --tag, else the
plan's deploy.tag, else the commit checked out here (git rev-parse --short HEAD); RELEASE_ID
is the same name unless deploy.releaseId says otherwise. \`latest\` is refused.
Probes and terminationGracePeriodSeconds come from each service's startup deadline, probe
window, drain delay and stop budget through @tarmac/health's renderKubernetesProbes; pool and
fleet sizes, the pooler mode and the connect timeout become each service's environment.
Secrets are referenced, never written. The same plan always gives the same bytes.
A plan that does not pass \`tarmac deploy check\` is not rendered.

Usage: tarmac deploy render [options]

Options:
  -c, --config FILE   the plan (default ./tarmac.yaml)
  -o, --out DIR       where to write (default: the plan's directory)
  -t, --tag TAG       the release the images are named by (default: git rev-parse --short HEAD)
      --check         write nothing; exit 1 if a file differs from a fresh render (for CI)
  -h, --help          this help

Example:
  tarmac deploy render --config deploy/tarmac.yaml --out /tmp/deploy         # images tagged with HEAD's commit
  tarmac deploy render --config deploy/tarmac.yaml --tag example --check    # in CI: the committed example is current
  kubectl kustomize deploy/kubernetes/overlays/production | kubectl apply -f -

${exitCodesHelp({
  ok: 'written (or, with --check, everything current)',
  failed:
    'the plan does not fit or names no release (the failed checks are printed), or --check found stale files',
})}`

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  out: { type: 'string', short: 'o' },
  tag: { type: 'string', short: 't' },
  check: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** `tarmac deploy render`. */
export const deployRenderCommand: Command = async (argv, io) => {
  const { values } = parseOptions(argv, OPTIONS)
  if (values.help) {
    io.stdout.write(DEPLOY_RENDER_HELP)
    return EXIT_CODES.ok
  }
  const { config, source } = loadConfig(values.config, io.cwd, io.env)
  if (!config.fleet)
    throw new CliError(
      'CLI_ERR_CONFIG_INVALID',
      `${source} has no fleet: section (see tarmac deploy check --help)`,
    )
  const paint = paintFor(io)
  const deploy = config.deploy ?? renderSchema.parse({})
  const release = resolveRelease(deploy, { tag: values.tag, cwd: io.cwd })
  const failed = [...checkFleet(config.fleet), releaseCheck(release)].filter((check) => !check.passed)
  if (failed.length > 0) {
    io.stderr.write(`tarmac deploy render: the plan does not fit; nothing written:\n`)
    for (const check of failed)
      io.stderr.write(`  ${check.check}: ${check.numbers}\n    fix: ${check.fix} [${check.code}]\n`)
    return EXIT_CODES.failed
  }
  const sourcePath = resolve(io.cwd, source)
  const out = resolve(io.cwd, values.out ?? dirname(sourcePath))
  // The header names the plan as given from where render runs (the repository root, for the committed files).
  const files = renderPlan(config.fleet, withRelease(deploy, release), relative(io.cwd, sourcePath))
  if (values.check) {
    const stale: string[] = []
    for (const [path, text] of files) {
      const current = await readFile(join(out, path), 'utf8').catch(() => undefined)
      if (current !== text) stale.push(current === undefined ? `${path} (missing)` : path)
    }
    if (stale.length === 0) {
      io.stdout.write(`${files.size} rendered files are current\n`)
      return EXIT_CODES.ok
    }
    io.stderr.write(
      `tarmac deploy render: DEPLOY_RENDER_STALE: ${stale.length} file(s) differ from a fresh render of ${relative(io.cwd, source) || source}:\n` +
        stale.map((path) => `  ${join(relative(io.cwd, out) || '.', path)}\n`).join('') +
        `run tarmac deploy render${values.config ? ` --config ${values.config}` : ''}${values.tag ? ` --tag ${values.tag}` : ''} and commit the result\n`,
    )
    return EXIT_CODES.failed
  }
  for (const [path, text] of files) {
    await mkdir(dirname(join(out, path)), { recursive: true })
    await writeFile(join(out, path), text)
  }
  io.stdout.write(
    `${paint('green', 'rendered')} ${files.size} files into ${relative(io.cwd, out) || '.'}:\n` +
      [...files.keys()].map((path) => `  ${path}\n`).join(''),
  )
  return EXIT_CODES.ok
}
