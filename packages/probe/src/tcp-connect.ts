import { Socket } from 'node:net'
import type { Deadline } from './deadline.js'
import type { PhaseClock } from './phase-clock.js'
import type { ProbeDetails } from './probe-result.js'
import { resolveHost, type ResolvedAddress } from './resolve-host.js'

/** Errors after which the next resolved address is tried (as a browser does for `localhost` → ::1, 127.0.0.1). */
const TRY_NEXT_ADDRESS = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EAFNOSUPPORT',
])

/**
 * Connects `socket` to the first address that accepts, in resolver order, within the deadline.
 * When the deadline fires the socket is destroyed at once. Resolves with the address connected to.
 * `noDelay` (default true) turns Nagle off: a protocol of several small writes (TLS, Postgres) needs it;
 * a single request written at once does not, and saves the system call.
 */
export async function connectTcp(
  addresses: readonly ResolvedAddress[],
  port: number,
  deadline: Deadline,
  socket: Socket = new Socket(),
  noDelay = true,
): Promise<{ socket: Socket; address: string }> {
  let lastError: unknown = new Error('no address to connect to')
  for (const { address } of addresses) {
    try {
      await deadline.guard(
        connectOnce(socket, { host: address, port }),
        () => 'tcp',
        () => socket.destroy(),
      )
      if (noDelay) socket.setNoDelay(true)
      return { socket, address }
    } catch (error) {
      lastError = error
      const code = (error as { code?: unknown }).code
      if (deadline.aborted || typeof code !== 'string' || !TRY_NEXT_ADDRESS.has(code)) break
    }
  }
  socket.destroy()
  throw lastError
}

/**
 * Connects `socket` to the Unix-domain socket at `path` (phase `socket`: a local file, no lookup, no TCP
 * handshake) within the deadline; when the deadline fires the socket is destroyed at once.
 */
export async function connectUnixSocket(path: string, deadline: Deadline, socket: Socket): Promise<void> {
  try {
    await deadline.guard(
      connectOnce(socket, { path }),
      () => 'socket',
      () => socket.destroy(),
    )
  } catch (error) {
    socket.destroy()
    throw error
  }
}

function connectOnce(socket: Socket, to: { host: string; port: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined
    const onConnect = (): void => {
      socket.off('error', onError)
      socket.off('close', onClose)
      resolve()
    }
    // A failed connect emits 'error' then 'close'; settle on 'close' so that a retry on the same
    // socket never sees the previous attempt's 'close'.
    const onError = (error: Error): void => void (failure = error)
    const onClose = (): void => {
      socket.off('connect', onConnect)
      socket.off('error', onError)
      reject(failure ?? Object.assign(new Error('socket closed while connecting'), { code: 'ECONNABORTED' }))
    }
    socket.once('connect', onConnect)
    socket.once('error', onError)
    socket.once('close', onClose)
    // A socket that failed on an earlier address is destroyed; connect() re-initialises it.
    socket.connect(to)
  })
}

/**
 * The first two hops of every network probe: resolve `host` (phase `dns`), then connect (phase `tcp`),
 * recording `addresses` and the `address` connected to in the probe's details.
 */
export async function resolveAndConnect(
  host: string,
  port: number,
  deadline: Deadline,
  clock: PhaseClock,
  details: ProbeDetails,
  noDelay = true,
): Promise<Socket> {
  const addresses = await resolveHost(host, deadline, clock)
  details.addresses = addresses.map((entry) => entry.address)
  const { socket, address } = await connectTcp(addresses, port, deadline, new Socket(), noDelay)
  details.address = address
  return socket
}
