import type { Duplex } from 'node:stream'

/**
 * The HTTP/1.1 exchange a probe makes on a fresh connection: write one request, read one response, count its
 * body. A lean reader instead of `node:http`'s ClientRequest/IncomingMessage, whose per-request machinery (an
 * agent-less request object, a parser from the pool, header objects, a readable stream for the body) cost
 * more than the probe's socket itself. It knows only what a probe needs: the status line, the headers that
 * frame the body (`content-length`, `transfer-encoding`), interim 1xx responses (skipped), and the three ways a
 * body ends (a length, chunks, the connection closing). Parse errors carry `HPE_*` codes as llhttp's do.
 */

/** What the response said before its body. */
export interface ResponseHead {
  readonly status: number
  /** `1.1` or `1.0`. */
  readonly httpVersion: string
}

/** `node:http`'s default `--max-http-header-size`. */
const MAX_HEAD_BYTES = 16 * 1024
const MAX_CHUNK_LINE_BYTES = 1024
const HEAD_END = Buffer.from('\r\n\r\n')
const HTTP_PREFIX = Buffer.from('HTTP/')
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/
const CHUNK_SIZE = /^[0-9a-fA-F]{1,12}$/

type State = 'head' | 'length' | 'untilClose' | 'chunkSize' | 'chunkData' | 'chunkEnd' | 'trailers' | 'done'

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

/**
 * Writes `request` on `stream` and resolves with the body's size once the response is complete. `onHead` is
 * called when the final (non-1xx) head has arrived, before the body is read. Rejects with the stream's error,
 * an `HPE_*` parse error, or `ECONNRESET` when the connection ends before the response does (as `node:http`'s
 * "socket hang up"). The caller owns the stream: it destroys it on any outcome.
 */
export function exchangeHttp1(
  stream: Duplex,
  request: Buffer,
  bodyless: boolean,
  onHead: (head: ResponseHead) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const reader = new ResponseReader(bodyless, onHead)
    let settled = false
    const settle = (error?: Error): void => {
      if (settled) return
      settled = true
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('close', onEnd)
      stream.off('error', settle)
      if (error) reject(error)
      else resolve(reader.bodyBytes)
    }
    const onData = (chunk: Buffer): void => {
      try {
        if (reader.feed(chunk)) settle()
      } catch (error) {
        settle(error as Error)
      }
    }
    const onEnd = (): void => settle(reader.endOfStream())
    stream.on('data', onData)
    stream.once('end', onEnd)
    stream.once('close', onEnd)
    stream.once('error', settle)
    stream.write(request)
  })
}

/** The response side: fed chunks as they arrive; says when the response is complete. */
class ResponseReader {
  bodyBytes = 0
  #state: State = 'head'
  #pending: Buffer | undefined
  #remaining = 0

  constructor(
    readonly bodyless: boolean,
    readonly onHead: (head: ResponseHead) => void,
  ) {}

  /** Takes the next chunk; true when the response is complete. Throws an `HPE_*` error on a malformed one. */
  feed(chunk: Buffer): boolean {
    let buffer = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk])
    this.#pending = undefined
    while (buffer.length > 0 && this.#state !== 'done') {
      const used = this.#step(buffer)
      if (used < 0) {
        this.#pending = buffer
        break
      }
      buffer = buffer.subarray(used)
    }
    return this.#state === 'done'
  }

  /** The connection ended: complete if the body runs until close, otherwise the error that says what was cut. */
  endOfStream(): Error | undefined {
    if (this.#state === 'untilClose' || this.#state === 'done') return undefined
    if (this.#state === 'head') return failure('ECONNRESET', 'socket hang up')
    return failure('ECONNRESET', 'response body cut short')
  }

  /** Consumes what it can of `buffer`: the bytes used, or -1 when it needs more to go on. */
  #step(buffer: Buffer): number {
    switch (this.#state) {
      case 'head':
        return this.#head(buffer)
      case 'length':
      case 'chunkData':
        return this.#body(buffer)
      case 'untilClose':
        this.bodyBytes += buffer.length
        return buffer.length
      case 'chunkSize':
        return this.#chunkSize(buffer)
      case 'chunkEnd':
        if (buffer.length < 2) return -1
        if (buffer[0] !== 13 || buffer[1] !== 10) throw failure('HPE_STRICT', 'chunk not followed by CRLF')
        this.#state = 'chunkSize'
        return 2
      case 'trailers':
        return this.#trailer(buffer)
      case 'done':
        return buffer.length
    }
  }

  #head(buffer: Buffer): number {
    const prefix = Math.min(buffer.length, HTTP_PREFIX.length)
    if (buffer.compare(HTTP_PREFIX, 0, prefix, 0, prefix) !== 0)
      throw failure('HPE_INVALID_CONSTANT', 'expected an HTTP response')
    const end = buffer.indexOf(HEAD_END)
    if (end < 0) {
      if (buffer.length > MAX_HEAD_BYTES) throw failure('HPE_HEADER_OVERFLOW', 'response head too large')
      return -1
    }
    if (end > MAX_HEAD_BYTES) throw failure('HPE_HEADER_OVERFLOW', 'response head too large')
    const lines = buffer.toString('latin1', 0, end).split('\r\n')
    const statusLine = STATUS_LINE.exec(lines[0]!)
    if (statusLine === null) throw failure('HPE_INVALID_STATUS', 'invalid HTTP status line')
    const status = Number(statusLine[2])
    const framing = framingOf(lines)
    // An interim response (100 Continue, 103 Early Hints): the real one follows on the same connection.
    if (status >= 100 && status < 200 && status !== 101) return end + HEAD_END.length
    this.onHead({ status, httpVersion: `1.${statusLine[1]}` })
    if (this.bodyless || status === 101 || status === 204 || status === 304) this.#state = 'done'
    else if (framing.chunked) this.#state = 'chunkSize'
    else if (framing.length !== undefined) {
      this.#remaining = framing.length
      this.#state = framing.length === 0 ? 'done' : 'length'
    } else this.#state = 'untilClose'
    return end + HEAD_END.length
  }

  #body(buffer: Buffer): number {
    const used = Math.min(this.#remaining, buffer.length)
    this.bodyBytes += used
    this.#remaining -= used
    if (this.#remaining === 0) this.#state = this.#state === 'chunkData' ? 'chunkEnd' : 'done'
    return used
  }

  #chunkSize(buffer: Buffer): number {
    const line = lineOf(buffer)
    if (line === undefined) return -1
    const size = line.text.split(';', 1)[0]!.trim()
    if (!CHUNK_SIZE.test(size)) throw failure('HPE_INVALID_CHUNK_SIZE', 'invalid chunk size')
    this.#remaining = Number.parseInt(size, 16)
    this.#state = this.#remaining === 0 ? 'trailers' : 'chunkData'
    return line.used
  }

  #trailer(buffer: Buffer): number {
    const line = lineOf(buffer)
    if (line === undefined) return -1
    if (line.text === '') this.#state = 'done'
    return line.used
  }
}

function lineOf(buffer: Buffer): { text: string; used: number } | undefined {
  const end = buffer.indexOf('\r\n')
  if (end < 0) {
    if (buffer.length > MAX_CHUNK_LINE_BYTES) throw failure('HPE_CHUNK_EXTENSIONS_OVERFLOW', 'line too long')
    return undefined
  }
  return { text: buffer.toString('latin1', 0, end), used: end + 2 }
}

/** How the body is framed: chunks, a length, or neither (it runs until the connection closes). */
function framingOf(lines: readonly string[]): { chunked: boolean; length: number | undefined } {
  let chunked = false
  let length: number | undefined
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const colon = line.indexOf(':')
    if (colon <= 0) throw failure('HPE_INVALID_HEADER_TOKEN', 'invalid header line')
    const name = line.slice(0, colon).trim().toLowerCase()
    if (name === 'content-length') {
      const value = line.slice(colon + 1).trim()
      if (!/^\d{1,15}$/.test(value)) throw failure('HPE_INVALID_CONTENT_LENGTH', 'invalid content-length')
      if (length !== undefined && length !== Number(value))
        throw failure('HPE_UNEXPECTED_CONTENT_LENGTH', 'conflicting content-length')
      length = Number(value)
    } else if (name === 'transfer-encoding') {
      chunked = /(?:^|,)\s*chunked\s*$/i.test(line.slice(colon + 1))
    }
  }
  if (chunked && length !== undefined)
    throw failure('HPE_UNEXPECTED_CONTENT_LENGTH', 'content-length with transfer-encoding')
  return { chunked, length }
}
