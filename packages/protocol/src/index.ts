export { SUBPROTOCOL, BEARER_PROTOCOL_PREFIX, CLOSE_CODES, offeredProtocols, isAuthClose } from './socket.js'
export type { CloseCode } from './socket.js'
export { SERVER_FRAME_TYPES, RUN_EVENT_TYPES, isServerFrameType } from './frame-types.js'
export { RETRYABLE_ERROR_CODES, isRetryableErrorCode } from './error-codes.js'
export type { RetryableErrorCode } from './error-codes.js'
export type { ServerFrameType, RunEventType } from './frame-types.js'
export { CLIENT_FRAME_TYPES, clientFrameSchema } from './client-frames.js'
export type {
  ClientFrameType,
  ClientFrameSchema,
  ClientFrame,
  ClientFrameInput,
  MessageSendFrame,
} from './client-frames.js'
export {
  serverFrameSchema,
  authOkFrameSchema,
  threadSubscribedFrameSchema,
  threadUnsubscribedFrameSchema,
  messageAckFrameSchema,
  runStartedFrameSchema,
  runDeltaFrameSchema,
  runCompletedFrameSchema,
  runFailedFrameSchema,
  pongFrameSchema,
  errorFrameSchema,
  errorFrame,
  parseServerFrame,
} from './server-frames.js'
export type {
  ServerFrame,
  ServerFrameOf,
  RunEvent,
  AuthOkFrame,
  MessageAckFrame,
  ErrorFrame,
} from './server-frames.js'
export { MESSAGE_ROLES, newThreadBodySchema } from './rest.js'
export type {
  MessageRole,
  Thread,
  MessageItem,
  Page,
  ThreadPage,
  MessagePage,
  PageQuery,
  NewThreadBody,
  ErrorBody,
} from './rest.js'
export { CONNECT_STEPS } from './cold-starts.js'
export type { ConnectStep, ColdStartFailure, ColdStartSummary, ColdStartsBody } from './cold-starts.js'
export { isStorableText, UNSTORABLE_TEXT, UNSTORABLE_TEXT_MESSAGE } from './storable-text.js'
