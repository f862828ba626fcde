import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { ConnectorError } from './errors.js'
import { Forwarder } from './forwarder.js'
import type { ResolvedConnectorOptions } from './options.js'
import { sampleDelayMs } from './options.js'

/**
 * A connection's life: `held` (black-holed while down), `queued` (waiting for a slot),
 * `establishing` (has a slot: establishment delay, then the upstream dial), `open`, `closed`.
 */
export const CONNECTION_STATES = ['held', 'queued', 'establishing', 'open', 'closed'] as const
export type ConnectionState = (typeof CONNECTION_STATES)[number]

/** How a connection reports to its connector. */
export interface ConnectionHooks {
  settings(): ResolvedConnectorOptions
  /** The establishing slot is free again (established, failed or abandoned). */
  slotFreed(): void
  established(connection: Connection): void
  upstreamFailed(connection: Connection, error: ConnectorError): void
  /** `bytesIn`: client → upstream; `bytesOut`: upstream → client. */
  bytes(direction: 'bytesIn' | 'bytesOut', bytes: number): void
  ended(connection: Connection, lastState: ConnectionState): void
}

/** One client socket and, once established, its upstream socket. */
export class Connection {
  readonly id: number
  readonly acceptedAtMs = performance.now()
  grantedAtMs: number | undefined
  #state: ConnectionState = 'queued'
  readonly #client: Socket
  readonly #hooks: ConnectionHooks
  #upstream: Socket | undefined
  #upstreamClosed = false
  #clientClosed = false
  readonly #buffered: Buffer[] = []
  #bufferedBytes = 0
  readonly #forwarders: Forwarder[] = []
  #timer: NodeJS.Timeout | undefined
  #holdsSlot = false
  #endedByConnector = false
  #onBufferedData = (chunk: Buffer): void => {
    this.#buffered.push(chunk)
    this.#bufferedBytes += chunk.length
    if (this.#bufferedBytes >= this.#hooks.settings().clientBufferBytes) this.#client.pause()
  }

  constructor(id: number, client: Socket, hooks: ConnectionHooks) {
    this.id = id
    this.#client = client
    this.#hooks = hooks
    client.on('error', () => {})
    // Reading while waiting is what lets a hang-up be seen; the bytes wait here, not upstream.
    client.on('data', this.#onBufferedData)
    client.on('end', () => {
      if (this.#state !== 'open') client.destroy()
    })
    client.on('close', (hadError) => this.#onClientClose(hadError))
    client.resume()
  }

  get state(): ConnectionState {
    return this.#state
  }

  /** Black-holes the connection: no byte goes anywhere until it is queued again. */
  hold(): void {
    if (this.#state === 'queued') this.#state = 'held'
  }

  /** Back from `held` to waiting for a slot. */
  requeue(): void {
    if (this.#state === 'held') this.#state = 'queued'
  }

  /** Called by the capacity gate: the slot is ours. Waits out the establishment delay, then dials. */
  grant(): void {
    if (this.#state !== 'queued' && this.#state !== 'held') return
    this.#state = 'establishing'
    this.#holdsSlot = true
    this.grantedAtMs = performance.now()
    const settings = this.#hooks.settings()
    this.#timer = setTimeout(() => this.#dial(), sampleDelayMs(settings.establishDelayMs, settings.random))
  }

  /** Resets after `delayMs` unless the connection has ended by then. */
  scheduleReset(delayMs: number, onReset: () => void): void {
    this.#timer = setTimeout(() => {
      if (this.#state !== 'open') return
      onReset()
      this.reset()
    }, delayMs)
  }

  /** True once the connector reset or destroyed it (as opposed to a client or upstream hang-up). */
  get endedByConnector(): boolean {
    return this.#endedByConnector
  }

  /** Sends RST to the client (and the upstream, if any). */
  reset(): void {
    this.#endedByConnector = true
    this.#freeSlot()
    this.#client.resetAndDestroy()
    if (this.#upstream && !this.#upstream.destroyed) this.#upstream.resetAndDestroy()
  }

  /** Closes both sockets without a reset, for `Connector.close()`. */
  destroy(): void {
    this.#endedByConnector = true
    this.#freeSlot()
    this.#client.destroy()
    this.#upstream?.destroy()
  }

  #dial(): void {
    this.#timer = undefined
    const { upstream, upstreamTimeoutMs } = this.#hooks.settings()
    const socket = connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true })
    this.#upstream = socket
    socket.setNoDelay(true)
    const where = `${upstream.host}:${upstream.port}`
    socket.setTimeout(upstreamTimeoutMs, () => {
      const message = `upstream ${where} did not accept within ${upstreamTimeoutMs} ms`
      this.#fail(new ConnectorError('CONNECTOR_ERR_UPSTREAM_TIMEOUT', message))
    })
    socket.once('connect', () => {
      socket.setTimeout(0)
      this.#open(socket)
    })
    socket.on('error', (error) => {
      if (this.#state !== 'establishing') return
      const message = `upstream ${where} is unreachable: ${error.message}`
      this.#fail(new ConnectorError('CONNECTOR_ERR_UPSTREAM_UNREACHABLE', message, { cause: error }))
    })
    socket.on('close', (hadError) => {
      this.#upstreamClosed = true
      if (hadError && this.#state === 'open') this.#client.resetAndDestroy()
      this.#maybeEnded()
    })
  }

  #fail(error: ConnectorError): void {
    if (this.#state !== 'establishing' || this.#clientClosed) return
    this.#hooks.upstreamFailed(this, error)
    this.reset()
  }

  #open(upstream: Socket): void {
    if (this.#state !== 'establishing' || this.#clientClosed) return
    this.#freeSlot()
    this.#state = 'open'
    this.#client.off('data', this.#onBufferedData)
    this.#client.pause()
    this.#client.setNoDelay(true)
    const { bandwidthBytesPerSecond: bytesPerSecond, bandwidthBurstBytes: burstBytes } =
      this.#hooks.settings()
    const inbound = new Forwarder(this.#client, upstream, {
      bytesPerSecond,
      burstBytes,
      onBytes: (bytes) => this.#hooks.bytes('bytesIn', bytes),
    })
    const outbound = new Forwarder(upstream, this.#client, {
      bytesPerSecond,
      burstBytes,
      onBytes: (bytes) => this.#hooks.bytes('bytesOut', bytes),
    })
    this.#forwarders.push(inbound, outbound)
    this.#hooks.established(this)
    inbound.start(this.#buffered.splice(0))
    outbound.start()
  }

  #freeSlot(): void {
    if (!this.#holdsSlot) return
    this.#holdsSlot = false
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#hooks.slotFreed()
  }

  #onClientClose(hadError: boolean): void {
    this.#clientClosed = true
    this.#freeSlot()
    const upstream = this.#upstream
    if (upstream && !upstream.destroyed) {
      // A reset travels on as a reset; a clean close lets bytes already on their way upstream arrive.
      if (hadError) upstream.resetAndDestroy()
      else if (upstream.readyState === 'open') upstream.end()
      else upstream.destroy()
    }
    this.#maybeEnded()
  }

  #maybeEnded(): void {
    if (this.#state === 'closed' || !this.#clientClosed) return
    if (this.#upstream && !this.#upstreamClosed) return
    const lastState = this.#state
    this.#state = 'closed'
    clearTimeout(this.#timer)
    for (const forwarder of this.#forwarders) forwarder.stop()
    this.#hooks.ended(this, lastState)
  }
}
