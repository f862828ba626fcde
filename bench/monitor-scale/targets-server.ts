import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

// One process serving many targets: every path under /t/ answers 200 with a small health+json body.
// Run as a child of run.ts; prints its port on stdout.
const body = JSON.stringify({ status: 'pass', checks: {} })
const server = createServer((req, res) => {
  res.writeHead(req.url?.startsWith('/t/') ? 200 : 404, {
    'content-type': 'application/health+json',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
})
server.keepAliveTimeout = 5_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
