import { CLIENT_FRAME_TYPES, type ClientFrame, type ClientFrameSchema } from '@tarmac/protocol'
import { BackendError } from './errors.js'

/**
 * Parses one text frame (the frames themselves are `@tarmac/protocol`'s): malformed JSON → `INVALID_JSON`, an unknown `type` → `UNKNOWN_FRAME_TYPE`, a known
 * type with bad fields → `INVALID_FRAME`. The `ref` of a frame that fails validation is still recovered.
 */
export function parseClientFrame(
  text: string,
  schema: ClientFrameSchema,
):
  { frame: ClientFrame } | { error: BackendError | { code: 'INVALID_JSON'; message: string }; ref?: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { error: { code: 'INVALID_JSON', message: 'the frame is not valid JSON' } }
  }
  const raw =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {}
  const frameRef =
    typeof raw.ref === 'string' ? raw.ref : typeof raw.clientMsgId === 'string' ? raw.clientMsgId : undefined
  const refPart = frameRef === undefined ? {} : { ref: frameRef.slice(0, 128) }
  if (typeof raw.type !== 'string' || !(CLIENT_FRAME_TYPES as readonly string[]).includes(raw.type)) {
    return {
      error: new BackendError(
        'UNKNOWN_FRAME_TYPE',
        `unknown frame type ${JSON.stringify(raw.type ?? null)}; expected one of ${CLIENT_FRAME_TYPES.join(', ')}`,
      ),
      ...refPart,
    }
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'frame'} ${issue.message}`)
    return {
      error: new BackendError('INVALID_FRAME', `invalid ${raw.type} frame: ${problems.join('; ')}`),
      ...refPart,
    }
  }
  return { frame: parsed.data }
}

/** How much of a refused frame is searched for its `ref`/`clientMsgId`: refusing must stay cheap. */
export const REF_SCAN_BYTES = 4_096
const MAX_REF_CHARS = 128
// A top-level-looking `"ref": "…"` or `"clientMsgId": "…"` (a JSON string literal, escapes allowed).
const REF_FIELD = /"(ref|clientMsgId)"\s*:\s*("(?:[^"\\\r\n]|\\.){0,512}")/g

/**
 * The `ref` (else `clientMsgId`) of a frame refused before it is parsed (`RATE_LIMITED`, `FRAME_TOO_LARGE`), so
 * the client can tell which of its messages to retry. A frame of up to `REF_SCAN_BYTES` is parsed as JSON;
 * of a longer one only the first `REF_SCAN_BYTES` are searched — a client that wants the `ref` back on an
 * oversized frame puts it before `text` (`JSON.stringify` keeps the order the object was built in).
 */
export function refOfRefusedFrame(frame: Buffer): string | undefined {
  if (frame.length <= REF_SCAN_BYTES) {
    let value: unknown
    try {
      value = JSON.parse(frame.toString())
    } catch {
      return undefined
    }
    if (typeof value !== 'object' || value === null) return undefined
    const { ref, clientMsgId } = value as { ref?: unknown; clientMsgId?: unknown }
    const found = typeof ref === 'string' ? ref : typeof clientMsgId === 'string' ? clientMsgId : undefined
    return found?.slice(0, MAX_REF_CHARS)
  }
  const fields = new Map<string, string>()
  for (const [, name, literal] of frame.subarray(0, REF_SCAN_BYTES).toString().matchAll(REF_FIELD)) {
    if (fields.has(name!)) continue
    try {
      const value: unknown = JSON.parse(literal!)
      if (typeof value === 'string') fields.set(name!, value)
    } catch {
      // not a string literal after all
    }
  }
  return (fields.get('ref') ?? fields.get('clientMsgId'))?.slice(0, MAX_REF_CHARS)
}
