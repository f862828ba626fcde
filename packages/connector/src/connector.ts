import { EventEmitter } from 'node:events'
import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { CapacityGate } from './capacity-gate.js'
import { Connection } from './connection.js'
import type { ConnectionState } from './connection.js'
import { ConnectorError } from './errors.js'
import type { ConnectorOptions, ResolvedConnectorOptions } from './options.js'
import { resolveConnectorOptions, sampleDelayMs } from './options.js'
import { StatsRecorder } from './stats.js'
import type { ConnectorStats, RefuseReason } from './stats.js'

/** Where the connector listens, and a helper to point a client URL at it. */
export interface ConnectorAddress {
  readonly host: string
  readonly port: number
  /** `upstreamUrl` with its host and port replaced by the connector's (credentials and path kept). */
  readonly url: (upstreamUrl: string) => string
}

/** How to take the connector down. */
export interface DownOptions {
  /** Hold new connections without a byte of answer (until `up()`) instead of resetting them. Default false. */
  readonly blackhole?: boolean
  /** Reset every existing connection too. Default false: they carry on. */
  readonly resetOpen?: boolean
}

/** Events, for logs and tests; `stats()` has the totals. */
export interface ConnectorEvents {
  established: [{ readonly id: number; readonly queueWaitMs: number; readonly establishMs: number }]
  refused: [{ readonly id: number; readonly reason: RefuseReason }]
  reset: [{ readonly id: number }]
  'upstream-error': [{ readonly id: number; readonly error: ConnectorError }]
}

/** A TCP proxy that models a serverless VPC connector. Create it with `createConnector`. */
export class Connector extends EventEmitter<ConnectorEvents> {
  #input: ConnectorOptions
  #options: ResolvedConnectorOptions
  readonly #gate: CapacityGate
  readonly #stats = new StatsRecorder()
  readonly #connections = new Set<Connection>()
  #server: Server | undefined
  #address: ConnectorAddress | undefined
  #down: DownOptions | null = null
  #closed = false
  #nextId = 1

  constructor(options: ConnectorOptions) {
    super()
    this.#options = resolveConnectorOptions(options)
    this.#input = { ...options }
    this.#gate = new CapacityGate(this.#options)
  }

  /** The settings in force: frozen, defaults filled in. */
  get options(): ResolvedConnectorOptions {
    return this.#options
  }

  /** Throws `CONNECTOR_ERR_NOT_LISTENING` before `listen()` resolves or after `close()`. */
  get address(): ConnectorAddress {
    if (this.#address === undefined) {
      throw new ConnectorError(
        'CONNECTOR_ERR_NOT_LISTENING',
        'the connector is not listening: call listen() first',
      )
    }
    return this.#address
  }

  /** Binds the listening socket. Port 0 (the default) picks a free one. */
  async listen(port = 0, host = '127.0.0.1'): Promise<ConnectorAddress> {
    if (this.#closed) throw new ConnectorError('CONNECTOR_ERR_CLOSED', 'the connector is closed')
    if (this.#server)
      throw new ConnectorError('CONNECTOR_ERR_ALREADY_LISTENING', 'the connector is already listening')
    const server = createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket))
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => {
        this.#server = undefined
        reject(
          new ConnectorError('CONNECTOR_ERR_LISTEN_FAILED', `cannot listen on ${host}:${port}`, {
            cause: error,
          }),
        )
      })
      server.listen(port, host, () => resolve())
    })
    const bound = server.address()
    const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port
    this.#address = Object.freeze({
      host,
      port: boundPort,
      url: (upstreamUrl: string): string => {
        const url = new URL(upstreamUrl)
        url.hostname = host
        url.port = String(boundPort)
        return url.toString()
      },
    })
    return this.#address
  }

  /** Stops listening and destroys every connection. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true
    this.#gate.close()
    this.#address = undefined
    const server = this.#server
    this.#server = undefined
    for (const connection of this.#connections) connection.destroy()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Takes the connector down: new connections are reset (or held, with `blackhole`). */
  down(options: DownOptions = {}): void {
    this.#down = Object.freeze({ ...options })
    if (!options.resetOpen) return
    for (const connection of this.#connections) {
      if (connection.state === 'held') continue
      this.#stats.count('reset')
      this.emit('reset', { id: connection.id })
      connection.reset()
    }
  }

  /** Brings it back; held connections join the queue in the order they arrived. */
  up(): void {
    this.#down = null
    for (const connection of this.#connections) {
      if (connection.state !== 'held') continue
      connection.requeue()
      this.#admit(connection)
    }
  }

  /** Changes settings at runtime. Capacity applies at once; the rest to connections from now on. */
  update(partial: Partial<ConnectorOptions>): ResolvedConnectorOptions {
    const input = { ...this.#input, ...partial }
    this.#options = resolveConnectorOptions(input)
    this.#input = input
    this.#gate.reconfigure(this.#options)
    return this.#options
  }

  stats(): ConnectorStats {
    const count = (state: ConnectionState): number =>
      [...this.#connections].filter((c) => c.state === state).length
    return this.#stats.snapshot(
      {
        isDown: this.#down !== null,
        capacity: this.#gate.capacity,
        held: count('held'),
        queued: this.#gate.queued,
        establishing: this.#gate.inUse,
        open: count('open'),
      },
      this.#gate.peakInUse,
    )
  }

  #accept(socket: Socket): void {
    const id = this.#nextId++
    this.#stats.count('accepted')
    const { refuseRatio, random } = this.#options
    if (this.#closed) return void socket.destroy()
    if (this.#down !== null && !this.#down.blackhole) return this.#refuse(id, socket, 'down')
    if (this.#down === null && refuseRatio > 0 && random() < refuseRatio)
      return this.#refuse(id, socket, 'ratio')
    const connection = new Connection(id, socket, this.#hooks)
    this.#connections.add(connection)
    if (this.#down !== null) connection.hold()
    else this.#admit(connection)
  }

  #admit(connection: Connection): void {
    if (this.#gate.enter(connection) !== 'queue-full') return
    this.#stats.refused('queueFull')
    this.emit('refused', { id: connection.id, reason: 'queueFull' })
    connection.reset()
  }

  #refuse(id: number, socket: Socket, reason: RefuseReason): void {
    socket.on('error', () => {})
    socket.resetAndDestroy()
    this.#stats.refused(reason)
    this.#stats.count('closed')
    this.emit('refused', { id, reason })
  }

  readonly #hooks = {
    settings: () => this.#options,
    slotFreed: () => this.#gate.release(),
    bytes: (direction: 'bytesIn' | 'bytesOut', bytes: number) => this.#stats.count(direction, bytes),
    established: (connection: Connection) => {
      const nowMs = performance.now()
      const queueWaitMs = (connection.grantedAtMs ?? nowMs) - connection.acceptedAtMs
      const establishMs = nowMs - connection.acceptedAtMs
      this.#stats.established(queueWaitMs, establishMs)
      this.emit('established', { id: connection.id, queueWaitMs, establishMs })
      const { resetRatio, resetAfterMs, random } = this.#options
      if (resetRatio > 0 && random() < resetRatio) {
        connection.scheduleReset(sampleDelayMs(resetAfterMs, random), () => {
          this.#stats.count('reset')
          this.emit('reset', { id: connection.id })
        })
      }
    },
    upstreamFailed: (connection: Connection, error: ConnectorError) => {
      this.#stats.count('upstreamErrors')
      this.emit('upstream-error', { id: connection.id, error })
    },
    ended: (connection: Connection, lastState: ConnectionState) => {
      this.#connections.delete(connection)
      this.#stats.count('closed')
      const wasWaiting = lastState === 'held' || (lastState === 'queued' && this.#gate.leave(connection))
      if (!connection.endedByConnector && (wasWaiting || lastState === 'establishing')) {
        this.#stats.count('abandoned')
      }
    },
  }
}

/**
 * Validates `options` once (one error lists every problem) and returns a connector; call `listen()`.
 * @example
 * const connector = createConnector({ upstream: { host: '127.0.0.1', port: 5432 }, establishDelayMs: 3000, capacity: 2 })
 * const { url } = await connector.listen()
 * const client = new pg.Client(url('postgres://postgres@127.0.0.1:5432/app'))
 */
export function createConnector(options: ConnectorOptions): Connector {
  return new Connector(options)
}
