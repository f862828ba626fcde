// A 3 s, capacity-2 connector in front of the local Postgres; three pg clients connect at once.
// Run: npx tsx --conditions=@tarmac/source packages/connector/examples/slow-postgres.ts
// DATABASE_URL overrides the target (default postgres://postgres@127.0.0.1:5432/postgres).
import pg from 'pg'
import { createConnector } from '@tarmac/connector'

const target = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
const connector = createConnector({
  upstream: { host: target.hostname, port: Number(target.port || 5432) },
  establishDelayMs: 3000,
  capacity: 2,
})
connector.on('established', ({ id, queueWaitMs, establishMs }) =>
  console.log(
    `connection ${id}: queued ${queueWaitMs.toFixed(0)} ms, established after ${establishMs.toFixed(0)} ms`,
  ),
)
const { url } = await connector.listen()
const clients = [1, 2, 3].map(() => new pg.Client({ connectionString: url(target.toString()) }))
try {
  await Promise.all(clients.map((client) => client.connect()))
  await Promise.all(clients.map((client) => client.query('select 1')))
  const { establishMs, peakEstablishing } = connector.stats()
  console.log(
    `peak establishing ${peakEstablishing}, establish p50 ${establishMs.p50?.toFixed(0)} ms, p95 ${establishMs.p95?.toFixed(0)} ms`,
  )
} finally {
  await Promise.all(clients.map((client) => client.end().catch(() => {})))
  await connector.close()
}
