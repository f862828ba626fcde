import type { SocketLike } from '../app/chat/chat-connection.js'

/** An in-memory WebSocket for the chat connection's tests: the test plays the server. */
export class FakeSocket implements SocketLike {
  readyState = 0
  sent: Record<string, unknown>[] = []
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  constructor(readonly protocols: string[]) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>)
  }
  close() {
    this.readyState = 3
  }
  accept(userId = 'u1') {
    this.readyState = 1
    this.onopen?.({})
    this.receive({ type: 'auth.ok', userId })
  }
  receive(frame: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  drop(code = 1006) {
    this.readyState = 3
    this.onclose?.({ code })
  }
  sends() {
    return this.sent.filter((f) => f.type === 'message.send')
  }
}
