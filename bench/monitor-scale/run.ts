import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { Agent, get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { percentileOf, Scheduler } from '@tarmac/cli'
import { getFreePort } from '@tarmac/testing'
import { staleWorkspaces } from '../../scripts/build-freshness.js'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import { tables, type MonitorRun, type MonitorScaleResult, type TargetServersCpu } from './tables.js'

// bench/monitor-scale: 2,000 local HTTP targets at a 1 s interval for 60 s.
//   A. Tarmac's monitor (its scheduler + probeHttp with phase timings) in its own process, from packages/*/dist
//      (what `tarmac monitor` runs), unless --from source.
//   B. prometheus-blackbox-exporter (http_2xx) probing the same targets, driven at the same rate.
// Usage: npm run build && npx tsx --conditions=@tarmac/source bench/monitor-scale/run.ts [targets=2000]
//          [durationS=60] [--label L] [--out FILE] [--from dist|source]
//          (BLACKBOX=/path: another blackbox_exporter; CONCURRENCY: the monitor's, default 1000)
const here = fileURLToPath(new URL('.', import.meta.url))
const root = fileURLToPath(new URL('../..', import.meta.url))
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const { values, positionals } = parseArgs({
  options: { ...RUN_OPTIONS, from: { type: 'string', default: 'dist' } },
  allowPositionals: true,
})
if (values.from !== 'dist' && values.from !== 'source') throw new Error('--from must be dist or source')
const from = values.from
const targetCount = Number(positionals[0] ?? 2_000)
const durationMs = Number(positionals[1] ?? 60) * 1_000
const BLACKBOX = process.env.BLACKBOX ?? 'prometheus-blackbox-exporter'
const bench = startRun({
  bench: 'monitor-scale',
  label: values.label,
  out: values.out,
  environment: ['BLACKBOX', 'CONCURRENCY'],
})
const intervalMs = 1_000
const servers = 2
const CLK_TCK = 100 // getconf CLK_TCK on Linux

// The monitor runs what users run: the built packages. tsx only compiles the bench's own driver script.
if (from === 'dist') {
  const cli = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as {
    dependencies: Record<string, string>
  }
  const needed = new Set(['packages/cli'])
  for (const name of Object.keys(cli.dependencies))
    if (name.startsWith('@tarmac/')) needed.add(`packages/${name.slice('@tarmac/'.length)}`)
  const stale = staleWorkspaces(root).filter((workspace) => needed.has(workspace.dir))
  if (stale.length > 0) {
    for (const workspace of stale) console.error(`stale ${workspace.dir}: ${workspace.reason}`)
    throw new Error('the monitor runs from dist/: run `npm run build` first (or pass --from source)')
  }
}

function node(script: string, env: Record<string, string> = {}): ChildProcess {
  const conditions = from === 'source' ? ['--conditions=@tarmac/source'] : []
  return spawn(process.execPath, [...conditions, '--import', tsx, join(here, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
}

const lineQueues = new Map<ChildProcess, { lines: string[]; waiting: ((line: string) => void)[] }>()

/** The child's next line on stdout (its first, then the one after, and so on). */
function nextLine(child: ChildProcess): Promise<string> {
  let queue = lineQueues.get(child)
  if (!queue) {
    const state = { lines: [] as string[], waiting: [] as ((line: string) => void)[] }
    queue = state
    lineQueues.set(child, state)
    let text = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
        const line = text.slice(0, end)
        text = text.slice(end + 1)
        const waiter = state.waiting.shift()
        if (waiter) waiter(line)
        else state.lines.push(line)
      }
    })
  }
  const ready = queue.lines.shift()
  if (ready !== undefined) return Promise.resolve(ready)
  return new Promise((resolve) => queue.waiting.push(resolve))
}
const firstLine = nextLine

function procStat(pid: number): { cpuTicks: number; rssHwmKiB: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  // After ") ": state is field 3, so utime (14) and stime (15) are at index 11 and 12.
  return { cpuTicks: Number(fields[11]) + Number(fields[12]), rssHwmKiB: Number(hwm?.[1] ?? 0) }
}

/** The target servers' CPU while `work` runs, as a share of one core each: they must not be the bottleneck. */
async function withServersCpu<T>(work: () => Promise<T>): Promise<{ value: T; servers: TargetServersCpu }> {
  const startedAt = performance.now()
  const before = targetServers.map((server) => procStat(server.pid!).cpuTicks)
  const value = await work()
  const seconds = (performance.now() - startedAt) / 1000
  const percents = targetServers.map(
    (server, i) => (100 * (procStat(server.pid!).cpuTicks - before[i]!)) / CLK_TCK / seconds,
  )
  return { value, servers: { cpuPercentOfOneCore: percents } }
}

// Targets: /t/<i> spread over a few server processes (their CPU is neither side's).
const targetServers = Array.from({ length: servers }, () => node('targets-server.ts'))
const ports = await Promise.all(targetServers.map(firstLine))
const urls = Array.from({ length: targetCount }, (_, i) => `http://127.0.0.1:${ports[i % servers]}/t/${i}`)
console.error(
  `targets: ${targetCount} on ports ${ports.join(', ')}; ${durationMs / 1000} s at ${intervalMs} ms`,
)

// 0. The scheduler alone (no I/O), for a third of the duration: its own cost and lateness.
const schedulerOnlyChild = node('tarmac-monitor.ts', {
  TARGETS: JSON.stringify(urls),
  DURATION_MS: String(Math.round(durationMs / 3)),
  INTERVAL_MS: String(intervalMs),
  NOOP: '1',
})
await nextLine(schedulerOnlyChild) // its start line
const { phasesMs: _noPhases, ...schedulerOnly } = JSON.parse(await nextLine(schedulerOnlyChild)) as MonitorRun
console.error('scheduler only:', JSON.stringify(schedulerOnly))

// A. Tarmac.
const tarmacChild = node('tarmac-monitor.ts', {
  TARGETS: JSON.stringify(urls),
  DURATION_MS: String(durationMs),
  INTERVAL_MS: String(intervalMs),
})
// The child measures from its start line on; the servers' CPU is read over the same stretch.
await firstLine(tarmacChild)
const { value: tarmac, servers: tarmacServers } = await withServersCpu(
  async () => JSON.parse(await nextLine(tarmacChild)) as MonitorRun,
)
console.error('tarmac:', JSON.stringify(tarmac), 'target servers:', JSON.stringify(tarmacServers))

// B. blackbox_exporter, driven by the same scheduler at the same rate over keep-alive connections.
const bbPort = await getFreePort()
const bbConfig = join(tmpdir(), `blackbox-${process.pid}.yml`)
writeFileSync(
  bbConfig,
  'modules:\n  http_2xx:\n    prober: http\n    timeout: 1s\n    http:\n      preferred_ip_protocol: ip4\n',
)
const blackbox = spawn(
  BLACKBOX,
  [`--config.file=${bbConfig}`, `--web.listen-address=127.0.0.1:${bbPort}`, '--log.level=warn'],
  { stdio: ['ignore', 'ignore', 'inherit'] },
)
await new Promise((resolve) => setTimeout(resolve, 1_500))
// Prometheus scrapes every target on its own: the driver's concurrency is the target count, so blackbox_exporter
// gets every probe when due and is never held back by the driver's limit.
const agent = new Agent({ keepAlive: true, maxSockets: targetCount })
let bbOk = 0
let bbFailed = 0
const bbDurations: number[] = []
const scrape = (url: string): Promise<void> =>
  new Promise((resolve) => {
    const path = `/probe?module=http_2xx&target=${encodeURIComponent(url)}`
    const req = get({ host: '127.0.0.1', port: bbPort, path, agent, timeout: 2_000 }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString()))
      res.on('end', () => {
        if (/^probe_success 1$/m.test(text)) bbOk++
        else bbFailed++
        const duration = /^probe_duration_seconds ([\d.e-]+)$/m.exec(text)
        if (duration) bbDurations.push(Number(duration[1]) * 1_000)
        resolve()
      })
    })
    req.on('error', () => {
      bbFailed++
      resolve()
    })
    req.on('timeout', () => req.destroy())
  })
const driver = new Scheduler({
  targets: urls.map((url) => ({ id: url, intervalMs, timeoutMs: intervalMs })),
  concurrency: targetCount,
  lagBoundMs: 250,
  run: (target) => scrape(target.id),
  onResult: () => {},
})
const before = procStat(blackbox.pid!)
const { value: after, servers: blackboxServers } = await withServersCpu(async () => {
  driver.start()
  await new Promise((resolve) => setTimeout(resolve, durationMs))
  return procStat(blackbox.pid!)
})
await driver.stop()
const bbCpuSeconds = (after.cpuTicks - before.cpuTicks) / CLK_TCK
const driverStats = driver.stats()
const bb = {
  completed: driverStats.completed,
  ok: bbOk,
  failed: bbFailed,
  cpuSeconds: bbCpuSeconds,
  cpuPercentOfOneCore: (100 * bbCpuSeconds) / (durationMs / 1000),
  rssPeakMiB: after.rssHwmKiB / 1024,
  probesPerCpuSecond: driverStats.completed / bbCpuSeconds,
  probeDurationMs: { p50: percentileOf(bbDurations, 50), p95: percentileOf(bbDurations, 95) },
  driverLagP99Ms: driverStats.lagP99Ms,
  driverMissedDeadlines: driverStats.missedDeadlines,
}
console.error('blackbox:', JSON.stringify(bb), 'target servers:', JSON.stringify(blackboxServers))
// A target server near a full core would cap the rate both sides can reach: then the figures say little.
for (const [side, cpu] of [
  ['tarmac', tarmacServers],
  ['blackbox', blackboxServers],
] as const)
  if (cpu.cpuPercentOfOneCore.some((percent) => percent > 80))
    console.error(`warning: a target server used > 80 % of a core during the ${side} run: add servers`)
blackbox.kill('SIGTERM')
agent.destroy()
for (const server of targetServers) server.kill('SIGTERM')

const result: MonitorScaleResult = {
  blackboxVersion: execFileSync(BLACKBOX, ['--version'], { encoding: 'utf8' }).split('\n')[0]!,
  concurrency: Number(process.env.CONCURRENCY ?? 1_000),
  from,
  targetServers: { tarmac: tarmacServers, blackbox: blackboxServers },
  schedulerOnly,
  tarmac,
  blackbox: bb,
  ratio: tarmac.probesPerCpuSecond / bb.probesPerCpuSecond,
}
console.log(tables.probes([await bench.finish(result)]))
