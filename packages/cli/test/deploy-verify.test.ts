import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEPLOY_FAULTS } from '../src/errors.js'
import {
  BACKEND_REVISION,
  BACKEND_SERVICE,
  CLOUD_SQL,
  CONNECTOR,
  K8S,
  answers,
  fakeTools,
  setEnv,
  verify,
  type ConnectorJson,
  type InstanceJson,
  type ListJson,
  type RevisionJson,
  type ServiceJson,
} from './platform-fixtures.js'

// `tarmac deploy verify` end to end on recorded platform answers (--from DIR): the committed plan, a deployment
// that matches it, and one drift per test — each must come out as exactly the lines it causes, with the plan's
// value, the live one, why it matters in a storm, the fix and its code.
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})
const fresh = () => {
  const a = answers()
  cleanups.push(a.cleanup)
  return a
}
const container = (revision: RevisionJson) => revision.spec.containers[0]!

describe('tarmac deploy verify --from (recorded answers)', () => {
  it('says a deployment that is exactly the plan matches it (exit 0), with the digest that is live', async () => {
    const { dir } = fresh()
    const { code, findings, drifts, out } = await verify(dir)
    expect(code).toBe(0)
    expect(drifts).toEqual([])
    expect(findings.length).toBeGreaterThan(70)
    expect(findings.filter((f) => f.status === 'unknown')).toEqual([])
    expect(out).toMatch(
      /image\s+europe-docker\.pkg\.dev\/my-project\/tarmac\/backend:3f9c2d1 @ sha256:aad59921[0-9a-f]{56}\n/,
    )
    expect(out).toMatch(/max_connections\s+100 \(tier db-custom-1-3840 default\)/)
    expect(out).toContain('what runs matches the plan')
  })

  it('a revision still carrying the old 8 s connect timeout: one drift, why, and the command that fixes it', async () => {
    const a = fresh()
    a.edit<RevisionJson>(BACKEND_REVISION, (revision) =>
      setEnv(container(revision), 'DB_CONNECT_TIMEOUT_MS', '8000'),
    )
    const { code, drifts, out } = await verify(a.dir)
    expect(code).toBe(1)
    expect(drifts).toEqual([
      expect.objectContaining({
        resource: 'cloud-run tarmac-backend · revision tarmac-backend-00007-xoq (100% of traffic)',
        subject: 'DB_CONNECT_TIMEOUT_MS',
        plan: '30000',
        live: '8000',
        code: 'DEPLOY_DRIFT_TIMEOUTS',
        why: expect.stringMatching(/gives up after 8000 ms instead of 30000 ms.*queues 23000 ms/) as string,
        fix: 'gcloud run services update tarmac-backend --project my-project --region europe-west1 --update-env-vars DB_CONNECT_TIMEOUT_MS=30000',
      }),
    ])
    expect(out).toMatch(
      /DRIFT\s+DB_CONNECT_TIMEOUT_MS\s+plan 30000, live 8000\n\s+why: .*\n\s+fix: gcloud run .*\[DEPLOY_DRIFT_TIMEOUTS\]/,
    )
    expect(out).toContain('1 of')
  })

  it('traffic pinned to an old revision with the old timeout: the fix moves traffic, not the template', async () => {
    const a = fresh()
    const old = a.read<RevisionJson>(BACKEND_REVISION)
    old.metadata.name = 'tarmac-backend-00006-gim'
    setEnv(container(old), 'DB_CONNECT_TIMEOUT_MS', '8000')
    a.write('cloud-run/revisions/tarmac-backend-00006-gim.json', JSON.stringify(old))
    a.edit<ServiceJson>(BACKEND_SERVICE, (service) => {
      service.status.traffic = [
        { percent: 100, revisionName: 'tarmac-backend-00006-gim' },
        { latestRevision: true, percent: 0, revisionName: 'tarmac-backend-00007-xoq' },
      ]
    })
    const { drifts, findings } = await verify(a.dir)
    expect(findings.find((f) => f.subject === 'traffic' && f.service === 'backend')?.live).toBe(
      'tarmac-backend-00006-gim 100%',
    )
    expect(drifts).toEqual([
      expect.objectContaining({
        resource:
          'cloud-run tarmac-backend · revision tarmac-backend-00006-gim (100% of traffic, not the latest)',
        subject: 'DB_CONNECT_TIMEOUT_MS',
        fix: expect.stringContaining(
          'gcloud run services update-traffic tarmac-backend --project my-project --region europe-west1 --to-latest',
        ) as string,
      }),
    ])
  })

  it('an image tagged latest whose digest the platform does not report', async () => {
    const a = fresh()
    a.edit<RevisionJson>(BACKEND_REVISION, (revision) => {
      container(revision).image = 'europe-docker.pkg.dev/my-project/tarmac/backend:latest'
      delete revision.status.imageDigest
      delete revision.status.containerStatuses
    })
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts).toEqual([
      expect.objectContaining({
        subject: 'image',
        code: 'DEPLOY_IMAGE_UNRELEASED',
        live: 'europe-docker.pkg.dev/my-project/tarmac/backend:latest @ digest not reported',
        why: expect.stringContaining('latest names no build and the platform reports no digest') as string,
      }),
    ])
  })

  it('another release than the plan names: the live tag and its digest, and how to verify that release instead', async () => {
    const a = fresh()
    a.edit<RevisionJson>(BACKEND_REVISION, (revision) => {
      container(revision).image = 'europe-docker.pkg.dev/my-project/tarmac/backend:2b7e0a4'
    })
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts).toEqual([
      expect.objectContaining({
        subject: 'image',
        code: 'DEPLOY_DRIFT_RELEASE',
        live: expect.stringMatching(/backend:2b7e0a4 @ sha256:[0-9a-f]{64}$/) as string,
        fix: expect.stringContaining('verify with --tag 2b7e0a4') as string,
      }),
    ])
  })

  it('a fleet raised past its budget: max instances, the pooler bypassed, DB_FLEET_SIZE that no longer counts them', async () => {
    const a = fresh()
    a.edit<RevisionJson>(BACKEND_REVISION, (revision) => {
      revision.metadata.annotations['autoscaling.knative.dev/maxScale'] = '40'
      setEnv(container(revision), 'DB_POOLER', 'none')
    })
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts.map((d) => [d.resource.split(' ·')[0], d.subject, d.code])).toEqual([
      ['cloud-run tarmac-backend', 'DB_POOLER', 'DEPLOY_DRIFT_CONNECTIONS'],
      ['cloud-run tarmac-backend', 'max instances', 'DEPLOY_DRIFT_CONNECTIONS'],
      ['fleet on cloud-run (as deployed)', 'connection budget', 'DEPLOY_DRIFT_CONNECTIONS'],
      ['fleet on cloud-run (as deployed)', 'backend DB_FLEET_SIZE', 'DEPLOY_DRIFT_CONNECTIONS'],
    ])
    const budget = drifts.find((d) => d.subject === 'connection budget')!
    expect(budget.live).toBe(
      'backend 41 × 10 + pooler 1 × 40 = 450 > 95 usable (100 max_connections − 3 reserved − 2 held by others)',
    )
    expect(budget.why).toContain('53300')
    expect(drifts.find((d) => d.subject === 'backend DB_FLEET_SIZE')).toMatchObject({
      live: 'DB_FLEET_SIZE 21 < 41 instances that may run',
      fix: 'set DB_FLEET_SIZE=41 (max instances + surge) on backend, or lower its max instances to 20',
    })
  })

  it('the default TCP startup probe Cloud Run gives a revision without one: it passes before the database phase', async () => {
    const a = fresh()
    a.edit<RevisionJson>(BACKEND_REVISION, (revision) => {
      container(revision).startupProbe = {
        failureThreshold: 1,
        periodSeconds: 240,
        tcpSocket: { port: 8000 },
        timeoutSeconds: 240,
      }
    })
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts).toEqual([
      expect.objectContaining({
        subject: 'startup probe',
        plan: 'http /health/startup, window 240000 ms',
        live: 'tcp, window 240000 ms',
        code: 'DEPLOY_DRIFT_TIMEOUTS',
        why: expect.stringContaining(
          'passes as soon as the port listens — before the database phase',
        ) as string,
      }),
    ])
  })

  it('a probe window shorter than the deadline: the live check says the platform kills before the report', async () => {
    const a = fresh()
    a.edit<RevisionJson>(BACKEND_REVISION, (revision) => {
      container(revision).startupProbe.failureThreshold = 20 // 20 × 5 s = 100 s < 120 s + 10 s
    })
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts[0]).toMatchObject({
      subject: 'startup probe',
      live: 'http /health/startup, window 100000 ms',
      why: 'startup probe window 100000 ms < deadline 120000 + margin 10000 = 130000 ms: the platform kills an instance before it can report why it failed',
    })
  })

  it('a revision without the VPC connector: the database has no route', async () => {
    const a = fresh()
    a.edit<RevisionJson>(BACKEND_REVISION, (revision) => {
      delete revision.metadata.annotations['run.googleapis.com/vpc-access-connector']
    })
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts).toEqual([
      expect.objectContaining({
        subject: 'vpc access',
        code: 'DEPLOY_DRIFT_NETWORK',
        why: expect.stringContaining('no route') as string,
        fix: 'gcloud run services update tarmac-backend --project my-project --region europe-west1 --vpc-connector projects/my-project/locations/europe-west1/connectors/tarmac --vpc-egress all-traffic',
      }),
    ])
  })

  it('fewer warm instances and another concurrency than planned', async () => {
    const a = fresh()
    a.edit<RevisionJson>(BACKEND_REVISION, (revision) => {
      delete revision.metadata.annotations['autoscaling.knative.dev/minScale']
      ;(revision.spec as { containerConcurrency?: number }).containerConcurrency = 1000
    })
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts.map((d) => [d.subject, d.plan, d.live, d.code])).toEqual([
      ['min instances', '1', 'unset (0)', 'DEPLOY_DRIFT_SCALING'],
      ['concurrency', '250', '1000', 'DEPLOY_DRIFT_SCALING'],
    ])
    expect(drifts[0]!.fix).toBe(
      'gcloud run services update tarmac-backend --project my-project --region europe-west1 --min-instances 1',
    )
  })

  it('a service that reaches Cloud SQL straight, without the instance mounted: no socket at /cloudsql/…', async () => {
    const a = fresh()
    const plan = join(a.dir, 'direct.yaml')
    a.write(
      'direct.yaml',
      readFileSync(join(import.meta.dirname, '../../../deploy/tarmac.yaml'), 'utf8').replace(
        '      poolMax: 5\n',
        '      poolMax: 5\n      database: direct\n',
      ),
    )
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run', '--config', plan])
    expect(drifts.find((d) => d.subject === 'cloud sql socket')).toMatchObject({
      resource: 'cloud-run tarmac-auth · revision tarmac-auth-00004-rav (100% of traffic)',
      plan: 'my-project:europe-west1:tarmac-db',
      live: 'none mounted',
      code: 'DEPLOY_DRIFT_NETWORK',
      why: expect.stringContaining('PG_ERR_SOCKET_NOT_FOUND') as string,
      fix: 'gcloud run services update tarmac-auth --project my-project --region europe-west1 --add-cloudsql-instances my-project:europe-west1:tarmac-db',
    })
  })

  it('a connector left small: at its maximum of 3 instances, on another machine type', async () => {
    const a = fresh()
    a.edit<ConnectorJson>(CONNECTOR, (connector) => {
      Object.assign(connector, { maxInstances: 3, maxThroughput: 300, machineType: 'f1-micro' })
    })
    const { drifts, findings } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts.map((d) => [d.subject, d.plan, d.live, d.code])).toEqual([
      ['machine type', 'e2-micro', 'f1-micro', 'DEPLOY_DRIFT_CONNECTOR'],
      ['max instances', '10', '3', 'DEPLOY_DRIFT_CONNECTOR'],
    ])
    expect(drifts[1]!.why).toContain('at 3 instances (200–300 Mbps) the connector is at its maximum')
    expect(drifts[1]!.fix).toBe(
      'gcloud compute networks vpc-access connectors update tarmac --project my-project --region europe-west1 --max-instances 10',
    )
    expect(findings.find((f) => f.subject === 'size')?.live).toBe('2–3 × f1-micro (200–300 Mbps)')
  })

  it('a connector kept at fewer instances than the plan measured its rate at: a cold start is admitted slower', async () => {
    const a = fresh()
    const plan = join(a.dir, 'plan.yaml')
    a.write(
      'plan.yaml',
      readFileSync(join(import.meta.dirname, '../../../deploy/tarmac.yaml'), 'utf8').replace(
        'minInstances: 2, maxInstances: 10',
        'minInstances: 4, maxInstances: 10',
      ),
    )
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run', '--config', plan])
    expect(drifts).toEqual([
      expect.objectContaining({
        subject: 'min instances',
        plan: '4',
        live: '2',
        code: 'DEPLOY_DRIFT_CONNECTOR',
        why: expect.stringContaining('about 0.50 admissions/s instead of 1, 46000 ms to admit') as string,
      }),
    ])
  })

  it('a connector that is not READY', async () => {
    const a = fresh()
    a.edit<ConnectorJson>(CONNECTOR, (connector) => {
      connector.state = 'ERROR'
    })
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts).toEqual([
      expect.objectContaining({ subject: 'state', live: 'ERROR', code: 'DEPLOY_CONNECTOR_NOT_READY' }),
    ])
  })

  it('a database tier smaller than the plan assumed: its default max_connections, and the budget it breaks', async () => {
    const a = fresh()
    a.edit<InstanceJson>(CLOUD_SQL, (instance) => {
      instance.settings.tier = 'db-f1-micro'
    })
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts.map((d) => [d.subject, d.live, d.code])).toEqual([
      ['max_connections', '25 (tier db-f1-micro default)', 'DEPLOY_DRIFT_DATABASE'],
      [
        'connection budget',
        'pooler 1 × 40 = 40 > 20 usable (25 max_connections − 3 reserved − 2 held by others)',
        'DEPLOY_DRIFT_CONNECTIONS',
      ],
    ])
    expect(drifts[0]!.fix).toContain(
      'gcloud sql instances patch tarmac-db --project my-project --database-flags max_connections=100',
    )
  })

  it('the max_connections flag wins over the tier: set lower it drifts, set higher it fits', async () => {
    const a = fresh()
    a.edit<InstanceJson>(CLOUD_SQL, (instance) => {
      instance.settings.tier = 'db-custom-4-15360' // 15 GiB: 500 by default
      instance.settings.databaseFlags = [{ name: 'max_connections', value: '60' }]
    })
    const lower = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(lower.drifts).toEqual([
      expect.objectContaining({ subject: 'max_connections', live: '60 (max_connections flag)', plan: '100' }),
    ])
    a.edit<InstanceJson>(CLOUD_SQL, (instance) => {
      instance.settings.databaseFlags = [{ name: 'max_connections', value: '400' }]
    })
    const higher = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(higher.code).toBe(0)
    expect(higher.findings.find((f) => f.subject === 'max_connections')?.live).toBe(
      '400 (max_connections flag)',
    )
  })

  it('a tier the documented table does not cover, and no flag: max_connections is unknown, not a drift', async () => {
    const a = fresh()
    a.edit<InstanceJson>(CLOUD_SQL, (instance) => {
      instance.settings.tier = 'db-perf-optimized-N-8'
    })
    const { code, findings, out } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(code).toBe(0)
    expect(findings.find((f) => f.subject === 'max_connections')).toMatchObject({ status: 'unknown' })
    expect(out).toMatch(/\?\s+max_connections\s+no max_connections flag, and tier db-perf-optimized-N-8/)
  })

  it('a stopped or suspended database', async () => {
    const a = fresh()
    a.edit<InstanceJson>(CLOUD_SQL, (instance) => {
      instance.settings.activationPolicy = 'NEVER'
    })
    const stopped = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(stopped.drifts).toEqual([
      expect.objectContaining({
        subject: 'state',
        code: 'DEPLOY_DATABASE_NOT_RUNNABLE',
        fix: 'gcloud sql instances patch tarmac-db --project my-project --activation-policy ALWAYS',
      }),
    ])
    a.edit<InstanceJson>(CLOUD_SQL, (instance) => {
      instance.settings.activationPolicy = 'ALWAYS'
      instance.state = 'SUSPENDED'
    })
    expect((await verify(a.dir, ['--platform', 'cloud-run'])).drifts[0]).toMatchObject({ live: 'SUSPENDED' })
  })

  it('a service that is not deployed (gcloud answered NOT_FOUND when the answers were saved)', async () => {
    const a = fresh()
    a.remove('cloud-run/services/tarmac-auth.json')
    a.write(
      'cloud-run/services/tarmac-auth.error',
      'ERROR: (gcloud.run.services.describe) Cannot find service [tarmac-auth]\n',
    )
    const { drifts } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(drifts).toEqual([
      expect.objectContaining({
        resource: 'cloud-run tarmac-auth',
        live: 'not found',
        code: 'DEPLOY_NOT_DEPLOYED',
      }),
    ])
  })

  it('Kubernetes: an HPA raised past the plan, and a PgBouncer with more server connections in session mode', async () => {
    const a = fresh()
    a.edit<ListJson>(K8S('horizontalpodautoscalers'), (list) => {
      list.items[0]!.spec.maxReplicas = 30
    })
    a.edit<ListJson>(K8S('configmaps'), (list) => {
      const data = list.items.find((c) => c.data?.['pgbouncer.ini'])!.data!
      data['pgbouncer.ini'] = data['pgbouncer.ini']!.replace(
        'pool_mode = transaction',
        'pool_mode = session',
      ).replace('max_db_connections = 40', 'max_db_connections = 120')
    })
    const { drifts } = await verify(a.dir, ['--platform', 'kubernetes'])
    expect(drifts.map((d) => [d.resource, d.subject, d.live, d.code])).toEqual([
      ['kubernetes deployment/backend (namespace tarmac)', 'max instances', '30', 'DEPLOY_DRIFT_CONNECTIONS'],
      ['kubernetes deployment/pgbouncer (namespace tarmac)', 'pool_mode', 'session', 'DEPLOY_DRIFT_POOLER'],
      [
        'kubernetes deployment/pgbouncer (namespace tarmac)',
        'max_db_connections',
        '120',
        'DEPLOY_DRIFT_POOLER',
      ],
      [
        'fleet on kubernetes (as deployed)',
        'connection budget',
        'pooler 1 × 120 = 120 > 95 usable (100 max_connections − 3 reserved − 2 held by others)',
        'DEPLOY_DRIFT_CONNECTIONS',
      ],
    ])
    expect(drifts[0]!.fix).toBe(
      `kubectl --namespace tarmac patch hpa backend --type merge -p '{"spec":{"maxReplicas":20}}'`,
    )
  })

  it('Kubernetes: a ConfigMap still carrying the old timeout, and a pod running latest', async () => {
    const a = fresh()
    a.edit<ListJson>(K8S('configmaps'), (list) => {
      list.items.find((c) => c.metadata.name === 'auth-env')!.data!.DB_CONNECT_TIMEOUT_MS = '90000'
    })
    a.edit<ListJson>(K8S('deployments'), (list) => {
      list.items.find((d) => d.metadata.name === 'frontend')!.spec.template.spec.containers[0]!.image =
        'europe-docker.pkg.dev/my-project/tarmac/frontend:latest'
    })
    const { drifts } = await verify(a.dir, ['--platform', 'kubernetes'])
    expect(drifts.map((d) => [d.resource, d.subject, d.code])).toEqual([
      ['kubernetes deployment/auth (namespace tarmac)', 'DB_CONNECT_TIMEOUT_MS', 'DEPLOY_DRIFT_TIMEOUTS'],
      ['kubernetes deployment/frontend (namespace tarmac)', 'image', 'DEPLOY_IMAGE_UNRELEASED'],
    ])
    // 3 × 90 s cannot fit in 120 s: the plan's own check, on the live numbers.
    expect(drifts[0]!.why).toBe(
      '3 × 90000 ms + backoff ≤ 750 ms = 270750 ms > deadline 120000 ms: a slow connector gets one try',
    )
    // The pods still run the build the tag named when they started: its digest is unknown for latest.
    expect(drifts[1]!.live).toBe(
      'europe-docker.pkg.dev/my-project/tarmac/frontend:latest @ digest not reported',
    )
  })

  it("a service still given the collector's secret, and one given no credential: DEPLOY_DRIFT_SECRETS", async () => {
    const a = fresh()
    type SecretEnv = { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }
    const reportToken = (env: unknown[]) =>
      (env as SecretEnv[]).find((e) => e.name === 'STARTUP_REPORT_TOKEN')!
    // What the render before per-service credentials deployed: every service read the collector's secret.
    a.edit<RevisionJson>(BACKEND_REVISION, (revision) => {
      reportToken(container(revision).env).valueFrom!.secretKeyRef.name = 'tarmac-startup-report-token'
    })
    a.edit<ListJson>(K8S('deployments'), (list) => {
      const auth = list.items.find((d) => d.metadata.name === 'auth')!.spec.template.spec.containers[0]!
      auth.env = (auth.env as SecretEnv[]).filter((e) => e.name !== 'STARTUP_REPORT_TOKEN')
    })
    const { code, drifts } = await verify(a.dir)
    expect(code).toBe(1)
    expect(drifts.map((d) => [d.resource, d.subject, d.plan, d.live, d.code])).toEqual([
      [
        'cloud-run tarmac-backend · revision tarmac-backend-00007-xoq (100% of traffic)',
        'collector credential',
        'tarmac-startup-report-credential-backend/latest',
        'tarmac-startup-report-token/latest',
        'DEPLOY_DRIFT_SECRETS',
      ],
      [
        'kubernetes deployment/auth (namespace tarmac)',
        'collector credential',
        'tarmac-secrets/startup-report-credential-auth',
        'unset',
        'DEPLOY_DRIFT_SECRETS',
      ],
    ])
    expect(drifts[0]!.why).toMatch(
      /holds the cold-start collector's secret: from it, it can derive every service's credential/,
    )
    expect(drifts[0]!.fix).toMatch(
      /^printf %s "\$SECRET" \| tarmac deploy credentials --service backend into the secret tarmac-startup-report-credential-backend, then tarmac deploy render/,
    )
    expect(drifts[1]!.why).toMatch(/without a credential: the collector refuses them \(401\)/)
    expect(drifts[1]!.fix).toMatch(/--service auth into tarmac-secrets key startup-report-credential-auth/)
  })

  it('declares every code a drift can carry, and documents them', () => {
    expect(DEPLOY_FAULTS.codes).toEqual(
      expect.arrayContaining([
        'DEPLOY_NOT_DEPLOYED',
        'DEPLOY_DRIFT_RELEASE',
        'DEPLOY_DRIFT_TIMEOUTS',
        'DEPLOY_DRIFT_CONNECTIONS',
        'DEPLOY_DRIFT_SCALING',
        'DEPLOY_DRIFT_NETWORK',
        'DEPLOY_DRIFT_CONNECTOR',
        'DEPLOY_CONNECTOR_NOT_READY',
        'DEPLOY_DRIFT_DATABASE',
        'DEPLOY_DATABASE_NOT_RUNNABLE',
        'DEPLOY_DRIFT_POOLER',
        'DEPLOY_DRIFT_SECRETS',
      ]),
    )
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8')
    for (const code of DEPLOY_FAULTS.codes) expect(readme).toContain(`\`${code}\``)
  })
})

describe('a platform that refuses, and answers that cannot be read', () => {
  it('saved refusals (PERMISSION_DENIED, Forbidden): exit 2, CLI_ERR_PLATFORM_DENIED, every refused read listed', async () => {
    const a = fresh()
    a.remove(CLOUD_SQL)
    a.write(
      CLOUD_SQL.replace('.json', '.error'),
      'ERROR: (gcloud.sql.instances.describe) HTTPError 403: The client is not authorized to make this request.\n',
    )
    a.remove(K8S('pods'))
    a.write(
      K8S('pods').replace('.json', '.error'),
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:ci:verify" cannot list resource "pods" in API group "" in the namespace "tarmac"\n',
    )
    const { code, err, findings } = await verify(a.dir)
    expect(code).toBe(2)
    expect(findings).toEqual([])
    expect(err).toMatch(/^tarmac deploy: CLI_ERR_PLATFORM_DENIED: could not read the platform/)
    expect(err).toContain(
      'refused: gcloud sql instances describe tarmac-db --project my-project --format=json: ERROR',
    )
    expect(err).toContain(
      'refused: kubectl get pods --namespace tarmac --output=json: Error from server (Forbidden)',
    )
  })

  it('a missing saved answer or one of the wrong shape: exit 2, CLI_ERR_PLATFORM_ANSWER_INVALID, and how to save it', async () => {
    const a = fresh()
    a.remove(CONNECTOR)
    a.edit<Partial<InstanceJson>>(CLOUD_SQL, (instance) => {
      delete instance.settings
    })
    const { code, err } = await verify(a.dir, ['--platform', 'cloud-run'])
    expect(code).toBe(2)
    expect(err).toContain('CLI_ERR_PLATFORM_ANSWER_INVALID')
    expect(err).toContain(
      'no saved answer vpc-access/connectors/tarmac.json (save it with: gcloud compute networks vpc-access connectors describe tarmac --project my-project --region europe-west1 --format=json > vpc-access/connectors/tarmac.json)',
    )
    expect(err).toMatch(
      /gcloud sql instances describe tarmac-db .*: not the shape its API defines: settings: /,
    )
  })

  it('fake gcloud and kubectl that deny the caller (live): exit 2, CLI_ERR_PLATFORM_DENIED', async () => {
    const fakes = fakeTools({
      fail: "ERROR: (gcloud.run.services.describe) PERMISSION_DENIED: Permission 'run.services.get' denied on resource 'namespaces/my-project/services/tarmac-backend' (or resource may not exist).",
      kubectlFail:
        'Error from server (Forbidden): deployments.apps is forbidden: User "dev@example.com" cannot list resource "deployments" in API group "apps" in the namespace "tarmac"',
    })
    cleanups.push(fakes.cleanup)
    const { code, err } = await verify('', [], fakes.env)
    expect(code).toBe(2)
    expect(err).toContain('CLI_ERR_PLATFORM_DENIED')
    expect(err).toContain(
      'refused: gcloud run services describe tarmac-backend --project my-project --region europe-west1 --format=json: ERROR: (gcloud.run.services.describe) PERMISSION_DENIED',
    )
    expect(err).toContain('refused: kubectl get deployments.v1.apps --namespace tarmac --output=json')
  })

  it('fake gcloud that cannot reach Google (live): exit 3, CLI_ERR_PLATFORM_FAILED', async () => {
    const fakes = fakeTools({
      fail: "ERROR: gcloud crashed (ConnectionError): HTTPSConnectionPool(host='run.googleapis.com', port=443): Max retries exceeded",
    })
    cleanups.push(fakes.cleanup)
    const { code, err } = await verify('', ['--platform', 'cloud-run'], fakes.env)
    expect(code).toBe(3)
    expect(err).toContain('CLI_ERR_PLATFORM_FAILED')
  })

  it('no gcloud at all: exit 2, CLI_ERR_PLATFORM_TOOL_MISSING, pointing at --from', async () => {
    const { code, err } = await verify('', ['--platform', 'cloud-run'], { PATH: '/nonexistent' })
    expect(code).toBe(2)
    expect(err).toMatch(/CLI_ERR_PLATFORM_TOOL_MISSING: gcloud is not installed.*--from DIR/)
  })

  it('fake gcloud and kubectl answering from recorded JSON (live): the same verdict, and --save writes what --from reads', async () => {
    const a = fresh()
    a.edit<RevisionJson>(BACKEND_REVISION, (revision) => {
      setEnv(container(revision), 'DB_CONNECT_TIMEOUT_MS', '8000')
      container(revision).env.push({
        name: 'DATABASE_URL',
        value: 'postgres://tarmac:hunter2-secret@10.20.0.3/tarmac',
      })
    })
    const fakes = fakeTools({ answers: a.dir })
    cleanups.push(fakes.cleanup)
    const saved = fresh().dir
    const live = await verify('', ['--save', join(saved, 'again')], fakes.env)
    expect(live.code).toBe(1)
    expect(live.drifts.map((d) => d.subject)).toEqual(['DB_CONNECT_TIMEOUT_MS'])
    const replay = await verify(join(saved, 'again'))
    expect(replay.findings).toEqual(live.findings)
    const revision = readFileSync(join(saved, 'again', BACKEND_REVISION), 'utf8')
    expect(revision).toContain('postgres://tarmac:***@10.20.0.3/tarmac')
    expect(revision).not.toContain('hunter2-secret')
  })

  it('teaches with --help, and refuses --from with --save and an unknown platform (exit 2)', async () => {
    const a = fresh()
    const help = await verify(a.dir, ['--help'])
    expect(help.code).toBe(0)
    for (const text of [
      '--from DIR',
      '--save DIR',
      'max_connections',
      'Exit codes',
      'CLI_ERR_PLATFORM_DENIED',
    ])
      expect(help.out).toContain(text)
    expect((await verify(a.dir, ['--save', a.dir])).err).toContain(
      'CLI_ERR_USAGE: --from reads saved answers',
    )
    expect((await verify(a.dir, ['--platform', 'heroku'])).code).toBe(2)
  })
})
