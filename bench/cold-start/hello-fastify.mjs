// The floor: a bare Fastify server, spawn → listening. It answers /health/ready at once, so its "ready" is
// its "listening": everything a Tarmac service does beyond this is its own cost.
import Fastify from 'fastify'

const app = Fastify()
app.get('/health/ready', async () => ({ status: 'pass' }))
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)))
