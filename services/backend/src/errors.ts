import { defineFaults } from '@tarmac/faults'
import { causeChain } from '@tarmac/startup'
import { SHARED_ERROR_CODES } from '@tarmac/service'

/** A dependency away at run time (auth's JWKS, Redis, the provider): 503, as `DEPENDENCY_UNAVAILABLE`. */
const AT_RUN_TIME_A_503 = { status: 503, answersAs: 'DEPENDENCY_UNAVAILABLE' } as const

const client = (where: string, meaning: string, action: string, status?: number) =>
  ({
    where,
    ...(status === undefined ? {} : { status }),
    domain: 'application',
    layer: 'client',
    meaning,
    action,
  }) as const

/**
 * The backend's own codes, with their fault domain and layer, beside the shared ones of `@tarmac/service`
 * (`UNAUTHORIZED`, `RATE_LIMITED`, `SERVICE_STARTING`…). Startup codes end up in the startup report and the
 * exit-3 line; the others reach clients in `{ code, message }` bodies, WebSocket `error` frames and
 * `run.failed` frames (`where` says which).
 */
export const BACKEND_FAULTS = defineFaults('@tarmac/backend', {
  BACKEND_ERR_JWKS_UNAVAILABLE: {
    where: 'startup (exit 3); 503 at run time',
    ...AT_RUN_TIME_A_503,
    domain: 'infrastructure',
    layer: 'auth-service',
    meaning: "the auth service's JWKS could not be fetched (refused, HTTP error, no keys) until the deadline",
    action: 'start auth first or fix `AUTH_URL`; the message has the URL and reason',
  },
  BACKEND_ERR_PROVIDER_UNAVAILABLE: {
    where: 'startup (exit 3)',
    ...AT_RUN_TIME_A_503,
    domain: 'infrastructure',
    layer: 'provider',
    meaning:
      '`GET {OPENAI_BASE_URL}/models` failed (unreachable or 5xx: retried until the deadline; 401/403: at once)',
    action: 'fix `OPENAI_BASE_URL` / `OPENAI_API_KEY`, or use `LLM_PROVIDER=local`',
  },
  BACKEND_ERR_REDIS_UNAVAILABLE: {
    where: 'startup (exit 3); 503 at run time',
    ...AT_RUN_TIME_A_503,
    domain: 'infrastructure',
    layer: 'redis',
    meaning: '`REDIS_URL` is set but Redis did not answer PING',
    action: 'start Redis or unset `REDIS_URL` (single instance)',
  },
  BACKEND_ERR_BUS_SELF_TEST_FAILED: {
    where: 'startup (exit 3)',
    defers: true,
    domain: 'infrastructure',
    layer: 'redis',
    meaning: 'an event published on the bus did not reach a loopback subscriber in 5 s',
    action: 'check Redis pub/sub (ACLs, a proxy that drops pub/sub)',
  },
  BACKEND_ERR_SELF_TEST_FAILED: {
    where: 'startup (exit 3)',
    defers: true,
    domain: 'application',
    layer: 'application',
    meaning:
      'the synthetic chat round trip failed: the assistant failed, or the reply could not be read back',
    action: 'the message names the step; for `openai` check the model and server',
  },
  BACKEND_ERR_INVALID_OPTIONS: {
    where: 'createBackend',
    domain: 'application',
    layer: 'application',
    meaning:
      'an option passed to `createBackend` is unknown or out of range; the message lists every problem',
    action: 'fix the listed options (`BACKEND_DEFAULTS` has each one with its unit)',
  },
  THREAD_NOT_FOUND: client(
    '404 / error frame',
    'no such thread — or it belongs to someone else, or it was deleted while a message to it was being stored',
    'check the id; list `/api/threads`',
    404,
  ),
  INVALID_CURSOR: client(
    '400',
    '`cursor` is not one this server gave',
    'pass `nextCursor` back unchanged',
    400,
  ),
  INVALID_FRAME: client(
    'error frame',
    'a known frame type with bad fields (missing `threadId`, text over 8,000 chars, a binary frame, too many followed threads)',
    'fix the frame; the socket stays open',
  ),
  UNKNOWN_FRAME_TYPE: client(
    'error frame',
    '`type` is not one of the client frame types',
    'see the protocol table above',
  ),
  FRAME_TOO_LARGE: client(
    'error frame',
    'a frame above 32 KiB; it was dropped (above 1 MiB the socket is closed with 1009)',
    'send smaller messages',
  ),
  AUTH_REQUIRED: client(
    'error frame',
    'a frame other than `auth` before authentication',
    'authenticate first',
  ),
  AUTH_FAILED: {
    ...client(
      '401 `UNAUTHORIZED` / error frame + 4401',
      'the token is invalid, expired, or signed by an unknown key',
      'get a new access token and reconnect',
      401,
    ),
    answersAs: 'UNAUTHORIZED',
  },
  ALREADY_AUTHENTICATED: client(
    'error frame',
    "an `auth` frame with a token for another user than the socket's",
    'open another socket for the other user',
  ),
  TOKEN_EXPIRED: client(
    'error frame + 4408',
    'the access token the socket authenticated with expired, and no fresh one was sent in an `auth` frame',
    'refresh the token and reconnect; to keep the socket, send `auth` with a fresh token before `expiresAt`',
  ),
  TOO_MANY_SOCKETS: client(
    'error frame + 4429',
    'the user (`WS_MAX_SOCKETS_PER_USER`) or the remote address (`WS_MAX_SOCKETS_PER_IP`) holds too many sockets (across the fleet with `REDIS_URL`, else on this instance)',
    'close unused sockets; reconnect with backoff',
  ),
  TOO_MANY_RUNS: client(
    'error frame',
    'the user already has `CHAT_MAX_RUNS_PER_USER` assistant runs running or waiting (across the fleet with `REDIS_URL`); the message was not stored',
    'wait for a `run.completed` or `run.failed`, then resend (same `clientMsgId`)',
  ),
  PROVIDER_UNAVAILABLE: {
    where: '`run.failed`',
    domain: 'infrastructure',
    layer: 'provider',
    meaning: 'the assistant provider could not be reached',
    action: 'retry; check the provider',
  },
  PROVIDER_ERROR: {
    where: '`run.failed`',
    domain: 'infrastructure',
    layer: 'provider',
    meaning: 'the provider answered an HTTP error, sent an error event or broke the stream',
    action:
      "check the model name and key: the server's `assistant run failed` log line has the status and the provider's error type and code (clients get a fixed sentence)",
  },
  PROVIDER_TIMEOUT: {
    where: '`run.failed`',
    domain: 'infrastructure',
    layer: 'provider',
    meaning:
      'no response headers in 30 s, no byte streamed for 30 s (keep-alives, role-only chunks and reasoning count), or the run passed 120 s',
    action: 'retry; a slow model may need a faster server',
  },
  RUN_ABORTED: {
    where: '`run.failed`',
    domain: 'infrastructure',
    layer: 'process',
    meaning:
      'the run was stopped because the server is shutting down; its lease is handed over and another instance runs it again',
    action: 'follow the thread on another instance for the reply; if none comes, resend (same `clientMsgId`)',
  },
  RUN_QUEUE_FULL: {
    where: '`run.failed`',
    domain: 'application',
    layer: 'client',
    meaning: 'the thread already had 8 runs waiting behind the one running; this one was not started',
    action: 'wait for the replies in flight, then send again (the message itself is stored)',
  },
  RUN_FAILED: {
    where: '`run.failed`',
    domain: 'application',
    layer: 'application',
    meaning:
      'anything else (e.g. the thread was deleted during the run), or the run died with its instance 3 times; logged',
    action: 'retry',
  },
})

/** The backend's own codes. */
export const BACKEND_ERROR_CODES = BACKEND_FAULTS.codes
export type BackendErrorCode = (typeof BACKEND_ERROR_CODES)[number]

/** Codes of `@tarmac/service` the backend answers with; documented again in this README for clients. */
export const SHARED_ERROR_CODES_USED = [...SHARED_ERROR_CODES, 'UNAUTHORIZED'] as const

/**
 * A backend failure with a code from the closed list. Over HTTP its catalog entry gives the status (the one
 * error handler reads it); a WebSocket `error` frame carries the code as is, unless its entry answers with a
 * 5xx (a dependency away: `DEPENDENCY_UNAVAILABLE`, as over HTTP).
 */
export class BackendError extends Error {
  override readonly name = 'BackendError'
  constructor(
    readonly code: BackendErrorCode,
    message: string,
    options?: { cause?: unknown; permanent?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.permanent = options?.permanent ?? false
  }
  /** Retrying will not help (a rejected API key): startup stops retrying at once. */
  readonly permanent: boolean
}

/** The code of any error, for logs and frames: its own `code` string, else `INTERNAL`. */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'INTERNAL'
}

/** `fetch failed` hides the real reason in `cause`: dig out `ECONNREFUSED`, `ENOTFOUND`… */
export function networkReasonOf(error: unknown): string {
  for (const current of causeChain(error, 5)) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
  }
  return error instanceof Error ? error.message : String(error)
}
