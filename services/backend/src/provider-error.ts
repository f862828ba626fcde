import { BackendError } from './errors.js'

/**
 * What a user is told when a run fails: its code and one of these fixed sentences. The provider's own words
 * never reach a client — they may hold key material ("Incorrect API key provided: sk-…"), a gateway's HTML page
 * or internal addresses, and a `run.failed` frame goes to every subscriber of the thread.
 */
export const RUN_FAILURE_MESSAGES = Object.freeze({
  PROVIDER_UNAVAILABLE: 'the assistant provider cannot be reached; try again later',
  PROVIDER_ERROR: 'the assistant provider failed to answer; try again later',
  PROVIDER_TIMEOUT: 'the assistant provider took too long to answer; try again later',
  RUN_ABORTED: 'the run was stopped (the server is shutting down)',
  RUN_FAILED: 'the run failed',
})
export type RunFailureCode = keyof typeof RUN_FAILURE_MESSAGES

/** What the server logs of a provider failure: never the provider's text, only these fields. */
export interface ProviderFailureSummary {
  /** The HTTP status of the provider's answer, when it answered with an error. */
  readonly status?: number
  /** `error.type` of an OpenAI-style error body or event (`invalid_request_error`, `server_error`…). */
  readonly providerType?: string
  /** `error.code` of an OpenAI-style error body or event (`invalid_api_key`, `model_not_found`…). */
  readonly providerCode?: string
}

/** A failure of the provider during a run; `code` goes into the `run.failed` frame, `summary` into the log. */
export class ProviderError extends BackendError {
  readonly summary: ProviderFailureSummary
  constructor(
    code: 'PROVIDER_ERROR' | 'PROVIDER_TIMEOUT' | 'PROVIDER_UNAVAILABLE',
    message: string,
    options: { cause?: unknown; summary?: ProviderFailureSummary } = {},
  ) {
    super(code, redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause })
    this.summary = options.summary ?? {}
  }
}

// Key material as providers and gateways echo it: OpenAI/Anthropic-style keys (`sk-…`, `sk-proj-…`, masked as
// `sk-abc*****wxyz` or `sk-…abcd`), bearer tokens, and `key=`/`api_key=`/`token=` query parameters.
const SECRET_PATTERNS: readonly RegExp[] = [
  /\b(?:sk|pk|rk)-[\w*…-]{3,}/gi,
  /\bBearer\s+[^\s"',;]+/gi,
  /\b((?:api[_-]?)?key|token|access_token)=[^\s&"']+/gi,
]

/** The text with anything that looks like key material replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text
  for (const pattern of SECRET_PATTERNS)
    out = out.replace(pattern, (match, name?: string) =>
      typeof name === 'string' && match.includes('=') ? `${name}=[redacted]` : '[redacted]',
    )
  return out
}

/** An identifier as providers spell error types and codes; anything else (prose, HTML, a key) is dropped. */
const IDENTIFIER = /^[A-Za-z0-9_.:-]{1,64}$/

function identifier(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
  return typeof value === 'string' && IDENTIFIER.test(value) && redactSecrets(value) === value
    ? value
    : undefined
}

/**
 * The loggable part of an OpenAI-style error (`{ error: { type, code, message } }`, as a body or as a stream
 * event): `type` and `code` when they are plain identifiers. The `message` is never kept.
 */
export function summarizeProviderError(error: unknown, status?: number): ProviderFailureSummary {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>
  const providerType = identifier(fields.type)
  const providerCode = identifier(fields.code)
  return {
    ...(status !== undefined && { status }),
    ...(providerType !== undefined && { providerType }),
    ...(providerCode !== undefined && { providerCode }),
  }
}

/** Reads an error body's `error` object, if it is JSON of that shape; anything else summarises as the status. */
export function summarizeProviderBody(status: number, body: string): ProviderFailureSummary {
  try {
    const parsed = JSON.parse(body) as { error?: unknown } | null
    return summarizeProviderError(parsed?.error, status)
  } catch {
    return { status }
  }
}

/** `HTTP 401, type invalid_request_error, code invalid_api_key`: the summary as a log message fragment. */
export function describeSummary(summary: ProviderFailureSummary): string {
  return [
    summary.status === undefined ? undefined : `HTTP ${summary.status}`,
    summary.providerType === undefined ? undefined : `type ${summary.providerType}`,
    summary.providerCode === undefined ? undefined : `code ${summary.providerCode}`,
  ]
    .filter((part) => part !== undefined)
    .join(', ')
}
