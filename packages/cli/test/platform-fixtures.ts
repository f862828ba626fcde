import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { PlatformFinding } from '../src/deploy/platform/findings.js'
import { main } from '../src/main.js'
import { captureIo } from './capture-io.js'

/**
 * Recorded platform answers for deploy/tarmac.yaml at release 3f9c2d1, in the platforms' own JSON shapes (see
 * fixtures/platform/README.md for the API reference each follows). `matching` is a deployment that is exactly
 * the plan; each test copies it and changes what its case needs.
 */
export const ROOT = resolve(import.meta.dirname, '../../..')
export const PLAN = 'deploy/tarmac.yaml'
export const RELEASE = '3f9c2d1'
const MATCHING = join(import.meta.dirname, 'fixtures/platform/matching')

export const BACKEND_REVISION = 'cloud-run/revisions/tarmac-backend-00007-xoq.json'
export const BACKEND_SERVICE = 'cloud-run/services/tarmac-backend.json'
export const CONNECTOR = 'vpc-access/connectors/tarmac.json'
export const CLOUD_SQL = 'cloud-sql/instances/tarmac-db.json'
export const K8S = (list: string) => `kubernetes/tarmac/${list}.json`

/** The parts of the recorded answers the tests change. */
export interface ContainerJson {
  image: string
  env: { name: string; value?: string }[]
  startupProbe: Record<string, unknown> & { failureThreshold?: number }
}
export interface RevisionJson {
  metadata: { name: string; annotations: Record<string, string> }
  spec: { containers: ContainerJson[] }
  status: { imageDigest?: string; containerStatuses?: unknown[] }
}
export interface ServiceJson {
  status: { traffic: { revisionName?: string; percent?: number; latestRevision?: boolean }[] }
}
export interface ConnectorJson {
  state: string
  machineType: string
  minInstances: number
  maxInstances: number
  maxThroughput: number
}
export interface InstanceJson {
  state: string
  settings: { tier?: string; activationPolicy?: string; databaseFlags?: { name: string; value: string }[] }
}
export interface ListJson {
  items: {
    metadata: { name: string }
    data?: Record<string, string>
    spec: { maxReplicas?: number; template: { spec: { containers: ContainerJson[] } } }
  }[]
}

type Json = Record<string, unknown>

/** A fresh copy of the matching answers; `edit` changes one file, `remove` deletes it. */
export function answers() {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-platform-'))
  cpSync(MATCHING, dir, { recursive: true })
  return {
    dir,
    read: <T = Json>(path: string) => JSON.parse(readFileSync(join(dir, path), 'utf8')) as T,
    edit<T = Json>(path: string, change: (json: T) => void) {
      const json = JSON.parse(readFileSync(join(dir, path), 'utf8')) as T
      change(json)
      writeFileSync(join(dir, path), JSON.stringify(json, null, 2))
    },
    write: (path: string, text: string) => writeFileSync(join(dir, path), text),
    remove: (path: string) => rmSync(join(dir, path)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** Sets a variable of a Cloud Run container's `env`. */
export function setEnv(container: ContainerJson, name: string, value: string): void {
  container.env.find((e) => e.name === name)!.value = value
}

/** `tarmac deploy verify --json` (and its text) on a directory of answers. */
export async function verify(dir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const args = [
    'deploy',
    'verify',
    '--config',
    PLAN,
    '--tag',
    RELEASE,
    ...(dir ? ['--from', dir] : []),
    ...extra,
  ]
  const json = captureIo(ROOT, env)
  const code = await main([...args, '--json'], json)
  const text = captureIo(ROOT, env)
  await main(args, text)
  const parsed = json.out().startsWith('{')
    ? (JSON.parse(json.out()) as { matches: boolean; findings: PlatformFinding[] })
    : { matches: false, findings: [] }
  return {
    code,
    out: text.out(),
    err: json.err(),
    findings: parsed.findings,
    drifts: parsed.findings.filter((f) => f.status === 'drift'),
  }
}

/**
 * Fakes of Google's `gcloud` and of `kubectl` (no cloud and no cluster are reachable from here): shell scripts on
 * a PATH of their own that answer the commands `deploy verify` runs — from a directory of recorded answers, or
 * with an error on stderr and exit 1, as the real tools do.
 */
export function fakeTools(behaviour: { answers: string } | { fail: string; kubectlFail?: string }) {
  const bin = mkdtempSync(join(tmpdir(), 'tarmac-fake-tools-'))
  const tool = (name: string, body: string) => {
    writeFileSync(
      join(bin, name),
      `#!/bin/sh\n# A fake of ${name} for tests: no real platform is reachable here.\n${body}\n`,
    )
    chmodSync(join(bin, name), 0o755)
  }
  if ('answers' in behaviour) {
    tool(
      'gcloud',
      `case "$1 $2" in
  "run services") f="cloud-run/services/$4.json" ;;
  "run revisions") f="cloud-run/revisions/$4.json" ;;
  "sql instances") f="cloud-sql/instances/$4.json" ;;
  "compute networks") f="vpc-access/connectors/$6.json" ;;
  *) echo "ERROR: (gcloud) Invalid choice: '$1'." >&2; exit 2 ;;
esac
exec cat "${behaviour.answers}/$f"`,
    )
    tool(
      'kubectl',
      `case "$2" in
  deployments.v1.apps) f=deployments ;;
  horizontalpodautoscalers.v2.autoscaling) f=horizontalpodautoscalers ;;
  *) f="$2" ;;
esac
exec cat "${behaviour.answers}/kubernetes/$4/$f.json"`,
    )
  } else {
    tool('gcloud', `echo "${behaviour.fail}" >&2\nexit 1`)
    tool('kubectl', `echo "${behaviour.kubectlFail ?? behaviour.fail}" >&2\nexit 1`)
  }
  return {
    env: { PATH: `${bin}:/usr/bin:/bin` },
    cleanup: () => rmSync(bin, { recursive: true, force: true }),
  }
}
