/** Every code `@tarmac/connector` can throw or record. Each is documented in the package README. */
export const CONNECTOR_ERROR_CODES = [
  'CONNECTOR_ERR_INVALID_OPTIONS',
  'CONNECTOR_ERR_NOT_LISTENING',
  'CONNECTOR_ERR_ALREADY_LISTENING',
  'CONNECTOR_ERR_LISTEN_FAILED',
  'CONNECTOR_ERR_CLOSED',
  'CONNECTOR_ERR_UPSTREAM_UNREACHABLE',
  'CONNECTOR_ERR_UPSTREAM_TIMEOUT',
] as const
export type ConnectorErrorCode = (typeof CONNECTOR_ERROR_CODES)[number]

/** The one error class of this package; `code` is from a closed list, `cause` is kept. */
export class ConnectorError extends Error {
  override readonly name = 'ConnectorError'

  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
  }
}

/** True for a `ConnectorError`, optionally of one code. */
export function isConnectorError(error: unknown, code?: ConnectorErrorCode): error is ConnectorError {
  return error instanceof ConnectorError && (code === undefined || error.code === code)
}
