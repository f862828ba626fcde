import type { Duplex } from 'node:stream'

/** A socket whose underlying stream can be corked: a `ws` WebSocket keeps it as `_socket`. */
interface WithStream {
  readonly _socket?: Duplex | null
}

/**
 * Returns a function to call before each send on `socket`: the first call of a tick corks the underlying TCP
 * stream and uncorks it on `process.nextTick` — after the tick's promise jobs, where the bus delivers — so every
 * frame the socket gets in one tick (an ack and `run.started`, a delta and `run.completed`) leaves in one
 * `writev` instead of one syscall per frame. Order and content are unchanged: only the write batching is.
 */
export function corkPerTick(socket: object): () => void {
  let corked = false
  return () => {
    if (corked) return
    const stream = (socket as WithStream)._socket
    if (!stream || stream.destroyed) return
    corked = true
    stream.cork()
    process.nextTick(() => {
      corked = false
      stream.uncork()
    })
  }
}
