import type { Socket } from 'node:net'
import { TokenBucket } from './token-bucket.js'

export interface ForwarderOptions {
  /** Infinity: forward as fast as the sockets allow. */
  readonly bytesPerSecond: number
  readonly burstBytes: number
  /** Called with each slice's size as it is written to the destination. */
  readonly onBytes: (bytes: number) => void
}

/**
 * Copies one direction of a connection, `src` → `dst`, with backpressure, and paces it through a
 * token bucket when a bandwidth is set. A half-close of `src` is passed on once its bytes are out.
 */
export class Forwarder {
  readonly #src: Socket
  readonly #dst: Socket
  readonly #options: ForwarderOptions
  readonly #bucket: TokenBucket | null
  readonly #pending: Buffer[] = []
  #timer: NodeJS.Timeout | undefined
  #waitingForDrain = false
  #srcEnded = false
  #stopped = false

  constructor(src: Socket, dst: Socket, options: ForwarderOptions) {
    this.#src = src
    this.#dst = dst
    this.#options = options
    this.#bucket = Number.isFinite(options.bytesPerSecond)
      ? new TokenBucket({ perSecond: options.bytesPerSecond, burst: options.burstBytes })
      : null
  }

  /** Sends `prefix` (bytes buffered before the connection was established) first, then follows `src`. */
  start(prefix: readonly Buffer[] = []): void {
    for (const chunk of prefix) this.#onData(chunk)
    this.#src.on('data', (chunk: Buffer) => this.#onData(chunk))
    this.#src.on('end', () => {
      this.#srcEnded = true
      this.#flushEnd()
    })
    if (!this.#busy()) this.#src.resume()
  }

  /** Drops whatever is still pending; the sockets are the caller's to destroy. */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#pending.length = 0
  }

  #busy(): boolean {
    return this.#waitingForDrain || this.#pending.length > 0
  }

  #onData(chunk: Buffer): void {
    if (this.#stopped) return
    if (this.#bucket === null && !this.#busy()) {
      this.#write(chunk)
      return
    }
    this.#pending.push(chunk)
    this.#src.pause()
    if (this.#timer === undefined && !this.#waitingForDrain) this.#pump()
  }

  /** Writes pending slices as the bucket allows; one timer at a time keeps them in order. */
  #pump(): void {
    this.#timer = undefined
    while (!this.#stopped && !this.#waitingForDrain && this.#pending.length > 0) {
      const head = this.#pending[0]!
      const slice = this.#bucket === null ? head : head.subarray(0, this.#options.burstBytes)
      if (slice.length === head.length) this.#pending.shift()
      else this.#pending[0] = head.subarray(slice.length)
      const waitMs = this.#bucket?.reserve(slice.length) ?? 0
      if (waitMs > 0) {
        this.#timer = setTimeout(() => {
          this.#write(slice)
          this.#pump()
        }, waitMs)
        return
      }
      this.#write(slice)
    }
    if (!this.#busy()) {
      if (this.#srcEnded) this.#flushEnd()
      else if (!this.#stopped) this.#src.resume()
    }
  }

  #write(slice: Buffer): void {
    if (this.#stopped || this.#dst.destroyed) return
    this.#options.onBytes(slice.length)
    if (this.#dst.write(slice)) return
    this.#waitingForDrain = true
    this.#src.pause()
    this.#dst.once('drain', () => {
      this.#waitingForDrain = false
      if (this.#timer === undefined) this.#pump()
    })
  }

  #flushEnd(): void {
    if (!this.#busy() && this.#timer === undefined && !this.#dst.destroyed) this.#dst.end()
  }
}
