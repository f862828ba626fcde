/*
 * The frame vocabulary without its schemas: a browser bundle that only needs the names (to ignore an unknown
 * frame) does not pull zod in.
 */

/** Frames the server sends. */
export const SERVER_FRAME_TYPES = [
  'auth.ok',
  'thread.subscribed',
  'thread.unsubscribed',
  'message.ack',
  'run.started',
  'run.delta',
  'run.completed',
  'run.failed',
  'pong',
  'error',
] as const
export type ServerFrameType = (typeof SERVER_FRAME_TYPES)[number]

/** The run events every subscriber of a thread receives, in this order: started, deltas, completed | failed. */
export const RUN_EVENT_TYPES = ['run.started', 'run.delta', 'run.completed', 'run.failed'] as const
export type RunEventType = (typeof RUN_EVENT_TYPES)[number]

/** True for a frame type this protocol version defines; clients ignore the others. */
export const isServerFrameType = (type: unknown): type is ServerFrameType =>
  (SERVER_FRAME_TYPES as readonly unknown[]).includes(type)
