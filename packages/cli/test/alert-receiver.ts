import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A real HTTP receiver on loopback: keeps every POSTed JSON body, answers from a script of statuses. */
export interface AlertReceiver {
  readonly url: string
  readonly bodies: unknown[]
  /** Statuses for the next requests, in order; 204 once the script runs out. */
  readonly script: number[]
  close(): Promise<void>
}

export async function startAlertReceiver(script: number[] = []): Promise<AlertReceiver> {
  const bodies: unknown[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      response.writeHead(script.shift() ?? 204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks/tarmac`,
    bodies,
    script,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Polls `predicate` every 50 ms for up to `withinMs`; throws with `describe()` when it never holds. */
export async function waitUntil(
  predicate: () => boolean,
  describe: () => string,
  withinMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + withinMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
