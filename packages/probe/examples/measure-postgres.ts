// Probes a Postgres N times and prints p50 / p95 / max per phase.
//   npx tsx --conditions=@tarmac/source packages/probe/examples/measure-postgres.ts [url] [runs]
import { probePostgres } from '@tarmac/probe'

const url = process.argv[2] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const runs = Number(process.argv[3] ?? 30)

const samples: Record<string, number[]> = {}
for (let i = 0; i < runs; i++) {
  const result = await probePostgres(url)
  if (!result.ok) {
    console.error(JSON.stringify(result))
    process.exit(1)
  }
  for (const [phase, ms] of Object.entries({ ...result.phases, total: result.totalMs })) {
    ;(samples[phase] ??= []).push(ms)
  }
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}
console.log(`${runs} probes of ${url.replace(/:[^:@/]*@/, ':***@')} (ms)`)
for (const [phase, values] of Object.entries(samples)) {
  console.log(
    `${phase.padEnd(10)} p50 ${quantile(values, 0.5)}  p95 ${quantile(values, 0.95)}  max ${Math.max(...values)}`,
  )
}
