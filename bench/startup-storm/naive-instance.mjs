// The baseline: what the incident's services did. A plain pg.Pool, warmed eagerly to its full size at
// start, a fixed connect timeout, no retry — any failure ends the process (exit 1), as an unhandled
// startup error would. Plain JavaScript on purpose: it costs almost no CPU to start, so its figures
// show the connector and the database side only.
import { createServer } from 'node:http'
import pg from 'pg'

const poolMax = Number(process.env.POOL_MAX ?? '1')
const connectTimeoutMs = Number(process.env.CONNECT_TIMEOUT_MS ?? '90000')
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: poolMax,
  connectionTimeoutMillis: connectTimeoutMs,
  idleTimeoutMillis: 0,
  application_name: process.env.APPLICATION_NAME ?? 'naive',
})

try {
  const clients = await Promise.all(Array.from({ length: poolMax }, () => pool.connect()))
  await clients[0].query('select 1')
  for (const client of clients) client.release()
} catch (error) {
  process.stderr.write(`naive: startup failed: ${error.code ?? ''} ${error.message}\n`)
  process.exit(1)
}

const server = createServer((request, response) => {
  response.writeHead(request.url === '/health/ready' ? 200 : 404).end()
})
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => {
  server.close()
  void pool.end().then(() => process.exit(0))
})
