import { Socket } from 'node:net'
import { connectPostgresClient, type PostgresConnectTimings } from '@tarmac/probe'
import pg from 'pg'
import { toPostgresError } from './classify.js'
import { PostgresError, redactUrl } from './errors.js'

/** How a `TimedClient` connects, and who hears about it. */
export interface TimedClientSettings {
  readonly url: string
  readonly applicationName: string
  /** For the whole connect, DNS to first query. */
  readonly timeoutMs: number
  /** Extra `pg.ClientConfig` (ssl, statement_timeout…). */
  readonly clientConfig?: Partial<pg.ClientConfig>
  /** Every successful connect, with its phase timings. */
  readonly onConnect?: (timings: PostgresConnectTimings) => void
}

/**
 * A `pg.Client` whose `connect()` is `@tarmac/probe`'s timed connect (dns, tcp, ssl, auth, first query):
 * the same path, errors and socket teardown for the admission connection and every pool connection, so the
 * pool's own connects are the connection-time measurements. `connect()` on a client that is already
 * connected resolves at once, which is how a pool adopts the admission connection.
 */
export class TimedClient extends pg.Client {
  readonly #socket: Socket
  readonly #settings: TimedClientSettings
  #connecting: Promise<PostgresConnectTimings> | undefined
  #serverVersion = 'unknown'
  #timings: PostgresConnectTimings | null = null

  constructor(settings: TimedClientSettings) {
    const socket = new Socket()
    super({
      ...settings.clientConfig,
      connectionString: settings.url,
      application_name: settings.applicationName,
      stream: () => socket,
    })
    this.#socket = socket
    this.#settings = settings
    // An idle connection dropped by the server must not crash the process; its user finds out on next use.
    this.on('error', () => undefined)
  }

  /** The phase timings of this client's connect, once connected. */
  get lastTimings(): PostgresConnectTimings | null {
    return this.#timings
  }

  /** The server's `server_version`, once connected. */
  get serverVersion(): string {
    return this.#serverVersion
  }

  /**
   * Connects once, timed; later calls share the first. Aborting `signal` destroys the socket
   * (`PG_ERR_ABORTED`). Failures are `PostgresError`s.
   */
  connectTimed(signal?: AbortSignal): Promise<PostgresConnectTimings> {
    this.#connecting ??= this.#connect(signal)
    return this.#connecting
  }

  override connect(): Promise<pg.Client>
  override connect(callback: (error: Error | null, client: pg.Client) => void): void
  override connect(callback?: (error: Error | null, client: pg.Client) => void): Promise<pg.Client> | void {
    const connected = this.connectTimed().then(() => this as pg.Client)
    if (!callback) return connected
    connected.then(
      () => callback(null, this),
      (error: Error) => callback(error, this),
    )
  }

  async #connect(signal: AbortSignal | undefined): Promise<PostgresConnectTimings> {
    const { url, timeoutMs, onConnect } = this.#settings
    try {
      const { timings, serverVersion } = await connectPostgresClient(this, this.#socket, {
        timeoutMs,
        ...(signal ? { signal } : {}),
      })
      this.#serverVersion = serverVersion
      this.#timings = timings
      onConnect?.(timings)
      return timings
    } catch (error) {
      const mapped = toPostgresError(error, { what: `connecting to ${redactUrl(url)}` })
      if (signal?.aborted && mapped.code === 'PG_ERR_TIMEOUT') {
        throw new PostgresError('PG_ERR_ABORTED', `connecting to ${redactUrl(url)} was aborted`, {
          cause: error,
          ...(mapped.errorClass ? { errorClass: mapped.errorClass } : {}),
          ...(mapped.phase ? { phase: mapped.phase } : {}),
        })
      }
      throw mapped
    }
  }

  /** Destroys the socket at once: the server drops the backend, nothing waits for a polite goodbye. */
  destroy(): void {
    this.#socket.destroy()
    ;(this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
  }
}
