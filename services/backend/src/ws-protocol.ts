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
