// The cold-start collector under a flood of maximum-size reports (issue 22): the frontend's RSS against the
// collector's documented bound, and `GET /status/cold-starts` latency while the flood runs and after it.
//
// Run: npx tsx --conditions=@tarmac/source bench/collector-flood/run.ts [reports=1500] [concurrency=16]
//        [--services 20] [--redis URL] [--entry source|dist] [--heap-mib N] [--label L] [--out FILE]
//
// The frontend is a real child process (its sources through tsx, or `dist/main.js` with `--entry dist`) with a
// collector secret; the flood posts valid ~240 KB reports, each with its service's credential, from `--services`
// services (more than the collector keeps, so eviction runs too), then 256 KiB bodies with a bad credential.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { deriveStartupReportCredential } from '@tarmac/service'
import { getFreePort } from '@tarmac/testing'
import { maxSizeRecord } from '../../services/frontend/test/max-report.js'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import { tables, type CollectorFloodResult, type Latency } from './tables.js'

const { values, positionals } = parseArgs({
  options: {
    ...RUN_OPTIONS,
    services: { type: 'string' },
    redis: { type: 'string' },
    entry: { type: 'string' },
    'heap-mib': { type: 'string' },
  },
  allowPositionals: true,
})
const reports = Number(positionals[0] ?? 1500)
const concurrency = Number(positionals[1] ?? 16)
const serviceCount = Number(values.services ?? 20)
const entry = values.entry === 'dist' ? 'dist' : 'source'
/** The frontend's `--max-old-space-size`, as a container's NODE_OPTIONS would set it (default: Node's own). */
const heapMiB = values['heap-mib'] === undefined ? undefined : Number(values['heap-mib'])
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SECRET = 'bench-collector-secret-0123456789'
const HEALTH = 'bench-health-token-0123456789'
/**
 * The collector's documented bound on its share (services/frontend/README.md): records as V8 strings, facts, bodies
 * in flight, and the intake thread (32 MiB old generation, 8 MiB young, ~8 MiB of isolate and code).
 */
const COLLECTOR_BOUND_MIB = 32 + 7 + 8 * 2 + (32 + 8 + 8)
const MANIFEST_LIMIT_MIB = 256

const bench = startRun({ bench: 'collector-flood', label: values.label, out: values.out })

const publicDir = mkdtempSync(join(tmpdir(), 'bench-collector-'))
writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>bench</title>')
const port = await getFreePort()
const base = `http://127.0.0.1:${port}`
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const heap = heapMiB === undefined ? [] : [`--max-old-space-size=${heapMiB}`]
const args = heap.concat(
  entry === 'dist'
    ? [join(ROOT, 'services/frontend/dist/main.js')]
    : ['--conditions=@tarmac/source', '--import', tsx, join(ROOT, 'services/frontend/src/main.ts')],
)
const child = spawn(process.execPath, args, {
  cwd: ROOT,
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    STARTUP_REPORT_TOKEN: SECRET,
    HEALTH_TOKEN: HEALTH,
    PUBLIC_DIR: publicDir,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ...(values.redis && { REDIS_URL: values.redis }),
    BACKEND_URL: `http://127.0.0.1:${await getFreePort()}`,
    AUTH_URL: `http://127.0.0.1:${await getFreePort()}`,
  },
  stdio: ['ignore', 'inherit', 'inherit'],
})

const rssMiB = (): number => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

try {
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    if (i > 600) throw new Error('the frontend did not become ready in 60 s')
    await sleep(100)
  }
  await sleep(1_000)
  const readyRss = rssMiB()
  let peakRss = readyRss
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB())), 100)

  const timeStatus = async (): Promise<number> => {
    const started = performance.now()
    const response = await fetch(`${base}/status/cold-starts`, {
      headers: { authorization: `Bearer ${HEALTH}` },
    })
    await response.arrayBuffer()
    if (!response.ok) throw new Error(`/status/cold-starts answered ${response.status}`)
    return performance.now() - started
  }

  // The flood, with the summary read every 250 ms meanwhile.
  const statuses: Record<string, number> = {}
  const during: number[] = []
  let flooding = true
  const reader = (async () => {
    while (flooding) {
      during.push(await timeStatus())
      await sleep(250)
    }
  })()
  const bodies = Array.from({ length: serviceCount }, (_, s) => `svc-${String(s).padStart(2, '0')}`)
  const credentials = new Map(
    bodies.map((service) => [service, deriveStartupReportCredential(SECRET, service)]),
  )
  const reportBytes = Buffer.byteLength(JSON.stringify(maxSizeRecord('svc-00', 0)))
  let next = 0
  const floodStarted = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < reports) {
        const index = next++
        const service = bodies[index % bodies.length]!
        const response = await fetch(`${base}/startup-reports`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${credentials.get(service)}`,
          },
          body: JSON.stringify(maxSizeRecord(service, index)),
        })
        await response.arrayBuffer()
        statuses[response.status] = (statuses[response.status] ?? 0) + 1
      }
    }),
  )
  const floodSeconds = Math.round((performance.now() - floodStarted) / 100) / 10
  // Bodies with a bad credential: refused before they are read.
  const badCredentialStatuses: Record<string, number> = {}
  const junk = Buffer.alloc(256 * 1024 - 1, 0x20)
  const badCredentialPosts = 200
  for (let i = 0; i < badCredentialPosts; i++) {
    const response = await fetch(`${base}/startup-reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer tsr1.backend.forged' },
      body: junk,
    }).catch(() => undefined)
    const status = response ? String(response.status) : 'connection closed'
    await response?.arrayBuffer().catch(() => undefined)
    badCredentialStatuses[status] = (badCredentialStatuses[status] ?? 0) + 1
  }
  flooding = false
  await reader

  const after: number[] = []
  for (let i = 0; i < 100; i++) after.push(await timeStatus())
  clearInterval(sampler)
  const endRss = rssMiB()
  peakRss = Math.max(peakRss, endRss)

  const latency = (samples: readonly number[]): Latency => {
    const sorted = [...samples].sort((a, b) => a - b)
    const at = (p: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 10) / 10
    return {
      samples: sorted.length,
      p50Ms: at(50),
      p99Ms: at(99),
      maxMs: Math.round(sorted.at(-1)! * 10) / 10,
    }
  }
  const result: CollectorFloodResult = {
    settings: {
      reports,
      concurrency,
      services: serviceCount,
      reportBytes,
      badCredentialPosts,
      store: values.redis ? 'redis' : 'memory',
      entry,
      heapMiB: heapMiB ?? null,
    },
    statuses,
    badCredentialStatuses,
    rssMiB: {
      ready: Math.round(readyRss * 10) / 10,
      peak: Math.round(peakRss * 10) / 10,
      end: Math.round(endRss * 10) / 10,
    },
    boundMiB: { collector: COLLECTOR_BOUND_MIB, manifestLimit: MANIFEST_LIMIT_MIB },
    statusDuringFlood: latency(during),
    statusAfterFlood: latency(after),
    floodSeconds,
  }
  console.log(tables.flood([await bench.finish(result)]))
} finally {
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
  rmSync(publicDir, { recursive: true, force: true })
}
