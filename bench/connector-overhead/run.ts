// Throughput overhead of @tarmac/connector with no delay, capacity or bandwidth limit: pgbench
// select-only straight to Postgres vs through the connector, alternating, median of N rounds.
// Two workloads: `-S -c 4 -T 10` (4 long-lived connections: forwarding cost) and the same with `-C`
// (a new connection per transaction: accept + upstream dial cost).
// Run: npx tsx --conditions=@tarmac/source bench/connector-overhead/run.ts [rounds] [--label L] [--out FILE]
// Writes the run into bench/connector-overhead/results.json (or --out) under its label.
import { spawn } from 'node:child_process'
import { parseArgs } from 'node:util'
import { createConnector } from '@tarmac/connector'
import { createTestDatabase } from '@tarmac/testing'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import { tables, type ConnectorOverheadResult } from './tables.js'

const { values, positionals } = parseArgs({ options: RUN_OPTIONS, allowPositionals: true })
const PGBENCH = process.env.PGBENCH ?? '/usr/lib/postgresql/15/bin/pgbench'
const rounds = Number(positionals[0] ?? 5)
const workloads = [
  { name: 'long-lived connections', args: ['-S', '-c', '4', '-T', '10', '-n'] },
  { name: 'new connection per transaction', args: ['-S', '-C', '-c', '4', '-T', '10', '-n'] },
] as const

function run(args: readonly string[]): Promise<string> {
  // Async on purpose: the connector runs in this process and must keep its event loop.
  return new Promise((resolve, reject) => {
    const child = spawn(PGBENCH, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`pgbench exited ${code}:\n${out}`)),
    )
  })
}

function tpsOf(output: string): number {
  const match = /tps = ([\d.]+)/.exec(output)
  if (!match?.[1]) throw new Error(`no tps in pgbench output:\n${output}`)
  return Number(match[1])
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const bench = startRun({
  bench: 'connector-overhead',
  label: values.label,
  out: values.out,
  environment: ['PGBENCH'],
})
const db = await createTestDatabase('bench_connector')
const connector = createConnector({ upstream: { host: '127.0.0.1', port: 5432 } })
try {
  const { port } = await connector.listen()
  const target = (p: number): string[] => ['-h', '127.0.0.1', '-p', String(p), '-U', 'postgres', db.name]
  await run(['-i', '-q', '-s', '1', ...target(5432)])
  const results = []
  for (const workload of workloads) {
    const direct: number[] = []
    const proxied: number[] = []
    for (let round = 1; round <= rounds; round++) {
      direct.push(tpsOf(await run([...workload.args, ...target(5432)])))
      proxied.push(tpsOf(await run([...workload.args, ...target(port)])))
      console.log(
        `${workload.name} round ${round}: direct ${direct.at(-1)} tps, connector ${proxied.at(-1)} tps`,
      )
    }
    const ratio = Number((median(proxied) / median(direct)).toFixed(3))
    results.push({
      workload: workload.name,
      pgbench: `pgbench ${workload.args.join(' ')}`,
      direct,
      proxied,
      ratio,
    })
    console.log(`${workload.name}: ratio ${ratio}`)
  }
  const result: ConnectorOverheadResult = { rounds, results, connectorStats: connector.stats() }
  console.log(tables.rounds([await bench.finish(result)]))
} finally {
  await connector.close()
  await db.drop()
}
