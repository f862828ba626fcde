import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { fleetServices, loadConfig, main } from '@tarmac/cli'
import { clientAddress, parseTrustProxy } from '@tarmac/service'
import { startPgBouncer } from '@tarmac/testing'
import { captureIo } from '../../packages/cli/test/capture-io.js'

// `tarmac deploy render` is deterministic and the committed deploy/ files are its output: a fresh render must
// equal them. Then what a cluster would get — every overlay through `kubectl kustomize` — is validated object
// by object against the Kubernetes schemas (kubernetes-models), and Cloud Run's against Knative's and Cloud
// Run's documented limits.
const ROOT = resolve(import.meta.dirname, '../..')
const PLAN = 'deploy/tarmac.yaml'
/** The committed render uses every ${VAR:-default} of the plan's defaults: no environment. */
const NO_ENV = {}
/** …and a fixed release: a commit's own SHA could never be in the files it commits. */
const TAG = ['--tag', 'example']
const scratch = mkdtempSync(join(tmpdir(), 'tarmac-render-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown }
interface Probe {
  httpGet: { path: string; port: number | string }
  periodSeconds: number
  timeoutSeconds: number
  failureThreshold: number
}
interface EnvVar {
  name: string
  value?: string
  valueFrom?: { secretKeyRef: { name: string; key: string } }
}
interface Container {
  image: string
  env: EnvVar[]
  ports: { containerPort: number }[]
  startupProbe: Probe
  readinessProbe: Probe
  livenessProbe: Probe
  securityContext: object
  resources: { limits: { memory: string } }
}
interface PodSpec {
  containers: Container[]
  terminationGracePeriodSeconds: number
  securityContext: object
  volumes: { configMap: { name: string } }[]
}
/** The fields these tests read, of every kind they read them from. */
interface Manifest extends K8sObject {
  data: Record<string, string>
  spec: {
    template: {
      metadata: { annotations: Record<string, string> }
      spec: PodSpec & { containerConcurrency: number; timeoutSeconds: number }
    }
    strategy: { rollingUpdate: { maxSurge: number } }
    maxUnavailable: number
  }
}
const docs = (text: string) =>
  parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject)
    .filter(Boolean)
const kustomize = (dir: string) =>
  docs(execFileSync('kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8', maxBuffer: 16 << 20 }))

/** The kubernetes-models class for an object's apiVersion and kind; validate() throws on a schema violation. */
async function validate(object: K8sObject): Promise<void> {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion]
  const path = group
    ? `kubernetes-models/${group}/${version}/${object.kind}`
    : `kubernetes-models/${version}/${object.kind}`
  const module = (await import(path)) as Record<string, new (data: unknown) => { validate(): void }>
  const Model = module[object.kind]!
  new Model(object).validate()
}

describe('tarmac deploy render', () => {
  it('the committed files are a fresh render of deploy/tarmac.yaml', async () => {
    const io = captureIo(ROOT, NO_ENV)
    const code = await main(['deploy', 'render', '--config', PLAN, ...TAG, '--check'], io)
    expect(io.err()).toBe('')
    expect(code).toBe(0)
    expect(io.out()).toMatch(/^12 rendered files are current/)
  })

  it('is deterministic, and --check names a file that drifted', async () => {
    const out = join(scratch, 'deploy')
    for (const _ of [1, 2])
      expect(await main(['deploy', 'render', '-c', PLAN, ...TAG, '-o', out], captureIo(ROOT, NO_ENV))).toBe(0)
    for (const file of ['kubernetes/base/backend.yaml', 'cloud-run/backend.yaml', 'pgbouncer/pgbouncer.ini'])
      expect(readFileSync(join(out, file), 'utf8')).toBe(readFileSync(join(ROOT, 'deploy', file), 'utf8'))
    writeFileSync(join(out, 'kubernetes/base/auth.yaml'), '# edited by hand\n')
    const io = captureIo(ROOT, NO_ENV)
    expect(await main(['deploy', 'render', '-c', PLAN, ...TAG, '-o', out, '--check'], io)).toBe(1)
    expect(io.err()).toMatch(/DEPLOY_RENDER_STALE: 1 file\(s\) differ[\s\S]*kubernetes\/base\/auth\.yaml/)
    expect(io.err()).toContain('--tag example and commit the result')
  })

  it('names the images by the release: the commit checked out by default, --tag when given, never latest', async () => {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const out = join(scratch, 'by-commit')
    expect(await main(['deploy', 'render', '-c', PLAN, '-o', out], captureIo(ROOT, NO_ENV))).toBe(0)
    const backend = readFileSync(join(out, 'cloud-run/backend.yaml'), 'utf8')
    expect(backend).toContain(`image: europe-docker.pkg.dev/my-project/tarmac/backend:${head}\n`)
    expect(backend).toMatch(new RegExp(`- name: RELEASE_ID\\n\\s+value: '?${head}'?\\n`))
    expect(readFileSync(join(out, 'pgbouncer/kubernetes.yaml'), 'utf8')).toContain(`pgbouncer:${head}\n`)
    const io = captureIo(ROOT, NO_ENV)
    expect(
      await main(
        ['deploy', 'render', '-c', PLAN, '--tag', 'latest', '-o', join(scratch, 'never-latest')],
        io,
      ),
    ).toBe(1)
    expect(io.err()).toMatch(
      /image tag: images tagged latest \(from --tag\): a tag that names no build[\s\S]*DEPLOY_IMAGE_UNRELEASED/,
    )
    expect(() => readdirSync(join(scratch, 'never-latest'))).toThrow()
    const bad = captureIo(ROOT, NO_ENV)
    expect(await main(['deploy', 'render', '-c', PLAN, '--tag', 'no spaces'], bad)).toBe(2)
    expect(bad.err()).toMatch(/CLI_ERR_USAGE: --tag must be an image tag/)
  })

  it('mounts the Cloud SQL instance at /cloudsql/<connection name> on Cloud Run services that reach it straight', async () => {
    const plan = join(scratch, 'direct.yaml')
    writeFileSync(
      plan,
      `fleet:
  platforms: [cloud-run]
  database: { maxConnections: 100 }
  services:
    backend: { maxInstances: 4, poolMax: 5 }
    auth: { maxInstances: 2, poolMax: 2 }
    frontend: { maxInstances: 2, database: none }
deploy:
  registry: europe-docker.pkg.dev/my-project/tarmac
  cloudSql: { connectionName: 'my-project:europe-west1:tarmac-db' }
  cloudRun:
    vpcConnector: projects/my-project/locations/europe-west1/connectors/tarmac
    redisUrl: redis://10.0.0.3:6379
    urls: { backend: 'https://b.example', auth: 'https://a.example', frontend: 'https://f.example' }
`,
    )
    const out = join(scratch, 'direct')
    expect(
      await main(['deploy', 'render', '-c', plan, '--tag', 'r1', '-o', out], captureIo(ROOT, NO_ENV)),
    ).toBe(0)
    const annotations = (file: string) =>
      (docs(readFileSync(join(out, 'cloud-run', file), 'utf8'))[0] as Manifest).spec.template.metadata
        .annotations
    for (const service of ['backend.yaml', 'auth.yaml'])
      expect(annotations(service)['run.googleapis.com/cloudsql-instances']).toBe(
        'my-project:europe-west1:tarmac-db',
      )
    expect(annotations('frontend.yaml')).not.toHaveProperty('run.googleapis.com/cloudsql-instances')
    // The committed plan's services go through PgBouncer: nothing of theirs dials the socket.
    expect(readFileSync(join(ROOT, 'deploy/cloud-run/backend.yaml'), 'utf8')).not.toContain(
      'cloudsql-instances',
    )
  })

  it('outside a git checkout and without --tag there is no release to name the images by: refused', async () => {
    const plan = join(scratch, 'elsewhere.yaml')
    writeFileSync(plan, readFileSync(join(ROOT, PLAN), 'utf8'))
    const io = captureIo(scratch, NO_ENV)
    expect(await main(['deploy', 'check', '-c', plan], io)).toBe(1)
    expect(io.out()).toMatch(
      /FAIL\s+image tag\s+no --tag, no deploy\.tag, and no commit to name it by[\s\S]*DEPLOY_IMAGE_UNRELEASED/,
    )
    expect(await main(['deploy', 'check', '-c', plan, '--tag', 'v1.4.2'], captureIo(scratch, NO_ENV))).toBe(0)
  })

  it('tells every service which proxies may set x-forwarded-for, per platform', () => {
    const read = (file: string) => readFileSync(join(ROOT, 'deploy', file), 'utf8')
    for (const service of ['auth', 'frontend', 'backend']) {
      expect(read(`cloud-run/${service}.yaml`)).toMatch(/- name: TRUST_PROXY\n\s+value: '2'/)
      expect(read(`kubernetes/base/${service}.yaml`)).toMatch(/TRUST_PROXY: uniquelocal/)
    }
  })

  it('on Cloud Run, finds the client on every path its ingress lets in (docs/deploy.md)', () => {
    const read = (file: string) => readFileSync(join(ROOT, 'deploy', file), 'utf8')
    const trust = parseTrustProxy(
      /- name: TRUST_PROXY\n\s+value: '(\d+)'/.exec(read('cloud-run/auth.yaml'))![1]!,
    )
    // What reaches a container from Google's front end (its peer: Cloud Run's own infrastructure).
    const arriving = (forwardedFor: string) =>
      ({ socket: { remoteAddress: '169.254.1.1' }, headers: { 'x-forwarded-for': forwardedFor } }) as never
    const client = '198.51.100.7'
    // Browser → external load balancer → frontend: `<what the client wrote>, <client>, <load balancer>`.
    expect(clientAddress(arriving(`6.6.6.6, ${client}, 34.120.0.1`), trust)).toBe(client)
    // Frontend proxy (sets the client it concluded) → Google's front end (appends the connector's address) → auth.
    expect(clientAddress(arriving(`${client}, 10.8.0.3`), trust)).toBe(client)
    // Nobody outside reaches a run.app URL straight, where it could write the second entry itself.
    for (const service of ['auth', 'frontend', 'backend']) {
      expect(read(`cloud-run/${service}.yaml`)).toMatch(
        /run\.googleapis\.com\/ingress: internal-and-cloud-load-balancing/,
      )
      // …and the calls between services count as internal only when they leave through the VPC.
      expect(read(`cloud-run/${service}.yaml`)).toMatch(
        /run\.googleapis\.com\/vpc-access-egress: all-traffic/,
      )
    }
  })

  it('refuses to render a plan that does not fit', async () => {
    const plan = join(scratch, 'tight.yaml')
    writeFileSync(
      plan,
      readFileSync(join(ROOT, PLAN), 'utf8').replace('maxConnections: 100,', 'maxConnections: 30,'),
    )
    const io = captureIo(ROOT, NO_ENV)
    expect(await main(['deploy', 'render', '-c', plan, ...TAG, '-o', join(scratch, 'never')], io)).toBe(1)
    expect(io.err()).toMatch(/nothing written[\s\S]*DEPLOY_CONNECTIONS_OVER_BUDGET/)
    expect(() => readdirSync(join(scratch, 'never'))).toThrow()
  })
})

describe.each([
  'kubernetes/base',
  'kubernetes/overlays/production',
  'kubernetes/overlays/local',
  'pgbouncer',
])('kubectl kustomize deploy/%s', (dir) => {
  const objects = kustomize(`deploy/${dir}`)

  it('renders, and every object is valid against its Kubernetes schema', async () => {
    expect(objects.length).toBeGreaterThan(0)
    for (const object of objects) await validate(object)
  })

  it('runs no image tagged latest; outside the laptop overlay, ours are the release the base was rendered for', () => {
    const images = objects
      .filter((o) => o.kind === 'Deployment')
      .flatMap((o) =>
        (o as Manifest).spec.template.spec.containers.map((c) => (c as { image: string }).image),
      )
    expect(images.length).toBeGreaterThan(0)
    for (const image of images) expect(image).not.toMatch(/:latest$|^[^:]+$/)
    if (!dir.endsWith('local'))
      for (const image of images.filter((i) => i.includes('/tarmac/'))) expect(image).toMatch(/:example$/)
  })

  it('never carries a secret value outside the laptop overlay', () => {
    const secrets = objects.filter((o) => o.kind === 'Secret')
    if (dir.endsWith('local')) {
      // The throwaway Postgres trusts the namespace: its URLs carry no password.
      for (const secret of secrets)
        for (const value of Object.values((secret.data ?? {}) as Record<string, string>))
          expect(Buffer.from(value, 'base64').toString()).toMatch(/^postgres:\/\/postgres@postgres:5432\//)
    } else expect(secrets).toEqual([])
  })
})

describe('what the plan becomes on Kubernetes', () => {
  const { config } = loadConfig(PLAN, ROOT, NO_ENV)
  const plan = new Map(fleetServices(config.fleet!).map((s) => [s.name, s]))
  const objects = kustomize('deploy/kubernetes/overlays/production')
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name) as Manifest

  it.each(['backend', 'auth', 'frontend'])(
    '%s: probes, grace period and budgets come from the plan',
    (name) => {
      const service = plan.get(name)!
      const pod = find('Deployment', name).spec.template.spec
      const container = pod.containers[0]!
      const startup = container.startupProbe
      expect(startup.httpGet.path).toBe('/health/startup')
      // The startup window is the plan's (a 5 s period), never shorter than the deadline plus the margin.
      expect(startup.failureThreshold * startup.periodSeconds * 1000).toBe(service.startupProbeWindowMs)
      expect(startup.failureThreshold * startup.periodSeconds * 1000).toBeGreaterThanOrEqual(
        service.startupDeadlineMs + config.fleet!.probeMarginMs,
      )
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready')
      expect(container.livenessProbe.httpGet.path).toBe('/health/live')
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(
        service.drainDelayMs + service.stopBudgetMs,
      )
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true })
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      })
      // Secrets only by reference.
      for (const variable of container.env.filter((e) => e.valueFrom))
        expect(variable.valueFrom!.secretKeyRef.name).toBe('tarmac-secrets')
      const env = find('ConfigMap', `${name}-env`).data
      if (service.database !== 'none')
        expect(env).toMatchObject({
          DB_POOL_MAX: String(service.poolMax),
          DB_FLEET_SIZE: String(service.maxInstances + service.surgeInstances),
          DB_POOLER: 'transaction',
          STARTUP_DEADLINE_MS: String(service.startupDeadlineMs),
        })
      expect(find('Deployment', name).spec.strategy.rollingUpdate.maxSurge).toBe(service.surgeInstances)
    },
  )

  it("gives only the frontend the collector's secret; backend and auth each their own credential", () => {
    const reports = (name: string) =>
      find('Deployment', name)
        .spec.template.spec.containers[0]!.env.filter((e) => e.valueFrom)
        .filter((e) => e.valueFrom!.secretKeyRef.key.startsWith('startup-report-'))
        .map((e) => ({ name: e.name, key: e.valueFrom!.secretKeyRef.key }))
    expect(reports('frontend')).toEqual([{ name: 'STARTUP_REPORT_TOKEN', key: 'startup-report-token' }])
    // From the collector's secret a service could derive every other's credential: none but the frontend holds it.
    expect(reports('backend')).toEqual([
      { name: 'STARTUP_REPORT_TOKEN', key: 'startup-report-credential-backend' },
    ])
    expect(reports('auth')).toEqual([{ name: 'STARTUP_REPORT_TOKEN', key: 'startup-report-credential-auth' }])
  })

  it.each([
    ['frontend', 128],
    ['backend', 256],
    ['auth', 256],
  ])('%s: a V8 heap limit of half its memory limit (%s MiB)', (name, mib) => {
    const memory = find('Deployment', name).spec.template.spec.containers[0]!.resources.limits.memory
    expect(memory).toBe(plan.get(name)!.memory)
    expect(find('ConfigMap', `${name}-env`).data.NODE_OPTIONS).toBe(`--max-old-space-size=${mib}`)
  })

  it('scales the backend with an HPA up to the plan, guards every service with a PDB, runs Redis and PgBouncer', () => {
    expect(find('HorizontalPodAutoscaler', 'backend').spec).toMatchObject({ minReplicas: 1, maxReplicas: 20 })
    for (const name of ['backend', 'auth', 'frontend'])
      expect(find('PodDisruptionBudget', name).spec.maxUnavailable).toBe(1)
    expect(find('Deployment', 'redis')).toBeDefined()
    const bouncer = find('Deployment', 'pgbouncer').spec.template.spec
    expect(bouncer.volumes[0]!.configMap.name).toMatch(/^pgbouncer-config-[a-z0-9]+$/)
    expect(find('ConfigMap', bouncer.volumes[0]!.configMap.name).data['pgbouncer.ini']).toContain(
      'max_db_connections = 40',
    )
  })
})

describe('what the plan becomes on Cloud Run', () => {
  const { config } = loadConfig(PLAN, ROOT, NO_ENV)
  const plan = new Map(fleetServices(config.fleet!).map((s) => [s.name, s]))
  const files = readdirSync(join(ROOT, 'deploy/cloud-run')).filter((f) => f.endsWith('.yaml'))

  it.each(files)('%s: a valid Knative service within Cloud Run\u2019s limits', async (file) => {
    const [service] = docs(readFileSync(join(ROOT, 'deploy/cloud-run', file), 'utf8')) as Manifest[]
    const { Service } = await import('@kubernetes-models/knative/serving.knative.dev/v1/Service')
    new Service(service as ConstructorParameters<typeof Service>[0]).validate()
    const budget = plan.get(file.replace('.yaml', ''))!
    const template = service!.spec.template
    expect(template.metadata.annotations).toMatchObject({
      'autoscaling.knative.dev/minScale': String(budget.minInstances),
      'autoscaling.knative.dev/maxScale': String(budget.maxInstances),
      'run.googleapis.com/vpc-access-connector': expect.stringMatching(/^projects\/.+\/connectors\/.+/),
    })
    expect(template.spec.containerConcurrency).toBe(budget.concurrency)
    expect(template.spec.containerConcurrency).toBeLessThanOrEqual(1000)
    expect(template.spec.timeoutSeconds).toBeLessThanOrEqual(3600)
    const container = template.spec.containers[0]!
    const { startupProbe, livenessProbe } = container
    // Cloud Run: failureThreshold × periodSeconds ≤ 240 s; period 1–240 (startup), 1–3600 (liveness); timeout ≤ period.
    expect(startupProbe.httpGet).toEqual({ path: '/health/startup', port: container.ports[0]!.containerPort })
    expect(startupProbe.failureThreshold * startupProbe.periodSeconds).toBeLessThanOrEqual(240)
    expect(startupProbe.failureThreshold * startupProbe.periodSeconds * 1000).toBe(
      budget.startupProbeWindowMs,
    )
    expect(startupProbe.timeoutSeconds).toBeLessThanOrEqual(startupProbe.periodSeconds)
    expect(livenessProbe.httpGet.path).toBe('/health/live')
    expect(livenessProbe.periodSeconds).toBeLessThanOrEqual(3600)
    expect(livenessProbe.timeoutSeconds).toBeLessThanOrEqual(livenessProbe.periodSeconds)
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? e.valueFrom]))
    if (budget.database !== 'none') {
      expect(env).toMatchObject({
        DRAIN_DELAY_MS: '0',
        DB_POOLER: 'transaction',
        DB_POOL_MAX: String(budget.poolMax),
      })
      expect(env.DATABASE_URL).toEqual({
        secretKeyRef: { name: `tarmac-${budget.name}-database-url`, key: 'latest' },
      })
    }
    // The collector's secret for the frontend only; each sender its own credential (docs/deploy.md).
    expect(env.STARTUP_REPORT_TOKEN).toEqual({
      secretKeyRef: {
        name:
          budget.name === 'frontend'
            ? 'tarmac-startup-report-token'
            : `tarmac-startup-report-credential-${budget.name}`,
        key: 'latest',
      },
    })
    expect(env.NODE_OPTIONS).toBe(`--max-old-space-size=${budget.memory === '256Mi' ? 128 : 256}`)
    expect(container.resources.limits.memory).toBe(budget.memory)
  })
})

describe('deploy/pgbouncer/pgbouncer.ini', () => {
  it("runs on Debian's PgBouncer as rendered, with the plan's sizes, in front of a real Postgres", async () => {
    const template = readFileSync(join(ROOT, 'deploy/pgbouncer/pgbouncer.ini'), 'utf8')
    // Only where it listens, its auth file and the [databases] include are changed to run here.
    const bouncer = await startPgBouncer({
      upstream: { host: '127.0.0.1', port: 5432 },
      users: { postgres: 'unused' },
      template,
    })
    try {
      const config = new Map(
        (await bouncer.admin<{ key: string; value: string }>('SHOW CONFIG')).map((row) => [
          row.key,
          row.value,
        ]),
      )
      expect(
        Object.fromEntries(
          [
            'pool_mode',
            'max_client_conn',
            'default_pool_size',
            'reserve_pool_size',
            'max_db_connections',
            'server_login_retry',
            'application_name_add_host',
          ].map((key) => [key, config.get(key)]),
        ),
      ).toEqual({
        pool_mode: 'transaction',
        max_client_conn: '1000',
        default_pool_size: '35',
        reserve_pool_size: '5',
        max_db_connections: '40',
        server_login_retry: '1',
        application_name_add_host: '1',
      })
    } finally {
      await bouncer.stop()
    }
  })
})
