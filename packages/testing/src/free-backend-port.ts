import { createServer } from 'node:net'
import { getFreePort } from '@tarmac/postgres/cluster'

/**
 * A backend port for `tarmac up --backends <count>`, which puts backend-N on that port + 10 × (N − 1): a free
 * port whose every such neighbour is free too.
 */
export async function freeBackendPort(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
  for (;;) {
    const port = await getFreePort()
    const others = Array.from({ length: count - 1 }, (_, i) => port + 10 * (i + 1))
    if (others.every((other) => other < 65_536) && (await Promise.all(others.map(free))).every(Boolean))
      return port
  }
}
