/**
 * What one client of the embedded server leaves in the ONE Postgres session that every client shares, and the
 * wire messages that take it away again once the client is gone (a SIGKILLed service, a dropped socket):
 *
 * - an extended-protocol sequence cut before its `Sync` — its implicit transaction is aborted, and the
 *   "skip until Sync" state an error in it left is cleared (else every later client's query is ignored);
 * - an open transaction block — rolled back;
 * - the named prepared statements it created with `Parse` — deallocated, so the next client (the same service
 *   started again) can prepare them under the same names.
 *
 * Session settings (`SET`), advisory locks, `LISTEN`, temporary tables and holdable cursors cannot be told
 * apart per client on this server: they are reset (`DISCARD ALL`) when the last client has left, and stay while
 * others are connected (resetting them would take them from those). An advisory lock a killed client held
 * blocks no one meanwhile: every client is the same session, and the lock is re-entrant there.
 */

const PARSE = 0x50 // 'P'
const CLOSE = 0x43 // 'C'
const PARSE_COMPLETE = 0x31 // '1'
const ERROR_RESPONSE = 0x45 // 'E'

/** A front-end message: type byte, int32 length (itself included), body. */
function message(type: string, body: Buffer): Uint8Array {
  const header = Buffer.alloc(5)
  header.write(type, 0, 'latin1')
  header.writeInt32BE(body.length + 4, 1)
  return new Uint8Array(Buffer.concat([header, body]))
}

const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8')

/** A simple-protocol query (`Q`). */
export function simpleQuery(sql: string): Uint8Array {
  return message('Q', cstring(sql))
}

/** `Sync`: ends an extended-protocol sequence and any "skip until Sync" an error in it started. */
export const SYNC = message('S', Buffer.alloc(0))

/**
 * A `Parse` that cannot succeed: the error it raises aborts the implicit transaction of a sequence its client
 * never finished (the `Sync` that follows would otherwise commit that client's half-done work).
 */
export const ABORT_PARSE = message(
  'P',
  Buffer.concat([cstring(''), cstring('tarmac: the client of this query is gone'), Buffer.alloc(2)]),
)

/** `DEALLOCATE "name"`, the name quoted as an identifier. */
export function deallocate(name: string): Uint8Array {
  return simpleQuery(`DEALLOCATE "${name.replaceAll('"', '""')}"`)
}

/** The statement a `Parse` names (null for the unnamed statement or another message). */
export function parsedStatementName(bytes: Uint8Array): string | null {
  if (bytes[0] !== PARSE) return null
  const end = bytes.indexOf(0, 5)
  return end > 5 ? Buffer.from(bytes.subarray(5, end)).toString('utf8') : null
}

/** The statement a `Close` of a statement (`C`, `S`, name) names; null otherwise. */
export function closedStatementName(bytes: Uint8Array): string | null {
  if (bytes[0] !== CLOSE || bytes[5] !== 0x53) return null
  const end = bytes.indexOf(0, 6)
  return end > 6 ? Buffer.from(bytes.subarray(6, end)).toString('utf8') : null
}

/** Whether the server's answer to one `Parse` says it succeeded: a ParseComplete, no ErrorResponse. */
export function parseSucceeded(output: Uint8Array): boolean {
  let sawComplete = false
  for (let at = 0; at + 5 <= output.length;) {
    const type = output[at]
    if (type === ERROR_RESPONSE) return false
    if (type === PARSE_COMPLETE) sawComplete = true
    at += 1 + Buffer.from(output.buffer, output.byteOffset + at + 1, 4).readInt32BE(0)
  }
  return sawComplete
}

/** The named statements each client (by its handler id) created and has not closed. */
export class ClientStatements {
  readonly #byClient = new Map<number, Set<string>>()

  /** Records what a client's `Parse` or `Close` did, given the message and the server's answer to it. */
  record(clientId: number, sent: Uint8Array, answer: Uint8Array): void {
    const parsed = parsedStatementName(sent)
    if (parsed !== null && parseSucceeded(answer)) {
      const names = this.#byClient.get(clientId) ?? new Set<string>()
      this.#byClient.set(clientId, names.add(parsed))
    }
    const closed = closedStatementName(sent)
    if (closed !== null) this.#byClient.get(clientId)?.delete(closed)
  }

  /** Forgets a client, returning the statements it left. */
  take(clientId: number): string[] {
    const names = [...(this.#byClient.get(clientId) ?? [])]
    this.#byClient.delete(clientId)
    return names
  }

  /** Whether a message is one `record` needs the answer of. */
  static concerns(sent: Uint8Array): boolean {
    return sent[0] === PARSE || sent[0] === CLOSE
  }
}
