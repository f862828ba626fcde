/*
 * Which refusals a client should retry. Without schemas, like frame-types.ts: the browser bundle reads it.
 */

/**
 * Error codes that say "not now" rather than "not this": the same frame, sent again later (a `message.send`
 * with the same `clientMsgId`, which the server stores once), can succeed. A client retries these with backoff;
 * every other code is final for the frame it refers to.
 *
 * `INTERNAL` is here on purpose: the server failed, not the frame, and a resend is idempotent — a client retries
 * it a bounded number of times, then gives up and lets the user decide.
 */
export const RETRYABLE_ERROR_CODES = [
  'RATE_LIMITED',
  'DEPENDENCY_UNAVAILABLE',
  'TOO_MANY_RUNS',
  'SERVICE_STARTING',
  'SERVICE_STOPPING',
  'INTERNAL',
] as const
export type RetryableErrorCode = (typeof RETRYABLE_ERROR_CODES)[number]

/** True when a frame refused with `code` may succeed if sent again later (see `RETRYABLE_ERROR_CODES`). */
export const isRetryableErrorCode = (code: unknown): code is RetryableErrorCode =>
  (RETRYABLE_ERROR_CODES as readonly unknown[]).includes(code)
