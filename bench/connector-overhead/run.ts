// Throughput overhead of @tarmac/connector with no delay, capacity or bandwidth limit: pgbench
// select-only straight to Postgres vs through the connector, alternating, median of N rounds.
// Two workloads: `-S -c 4 -T 10` (4 long-lived connections: forwarding cost) and the same with `-C`
// (a new connection per transaction: accept + upstream dial cost).
// Run: npx tsx --conditions=@tarmac/source bench/connector-overhead/run.ts [rounds]
// Writes bench/connector-overhead/results.md and results.json next to this file.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { createConnector } from '@tarmac/connector'
import { createTestDatabase } from '@tarmac/testing'

const PGBENCH = process.env.PGBENCH ?? '/usr/lib/postgresql/15/bin/pgbench'
const rounds = Number(process.argv[2] ?? 5)
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
  const command = `npx tsx --conditions=@tarmac/source bench/connector-overhead/run.ts ${rounds}`
  const measuredAt = new Date().toISOString()
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, shared with other work`
  const stats = connector.stats()
  const json = { command, measuredAt, machine, rounds, results, connectorStats: stats }
  writeFileSync(new URL('results.json', import.meta.url), JSON.stringify(json, null, 2) + '\n')
  const lines = [
    '# Connector throughput overhead',
    '',
    `Command: \`${command}\``,
    '',
    'Postgres 15 on 127.0.0.1:5432, pgbench scale 1, select-only. Each round runs the workload straight to',
    'Postgres, then through a connector with no delay, capacity or bandwidth limit, running in the',
    `runner's process. Measured ${measuredAt} on ${machine}.`,
    '',
  ]
  for (const result of results) {
    lines.push(
      `## ${result.workload}: \`${result.pgbench}\``,
      '',
      '| round | direct tps | connector tps |',
      '|---|---|---|',
    )
    result.direct.forEach((tps, i) =>
      lines.push(`| ${i + 1} | ${tps.toFixed(0)} | ${result.proxied[i]!.toFixed(0)} |`),
    )
    lines.push(
      `| median | ${median(result.direct).toFixed(0)} | ${median(result.proxied).toFixed(0)} |`,
      '',
      `Ratio, connector / direct (medians): **${result.ratio}**`,
      '',
    )
  }
  writeFileSync(new URL('results.md', import.meta.url), lines.join('\n'))
} finally {
  await connector.close()
  await db.drop()
}
