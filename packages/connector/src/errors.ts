import { defineFaults } from '@tarmac/faults'

/** Every code `@tarmac/connector` can throw or record, with its fault domain and layer. */
export const CONNECTOR_FAULTS = defineFaults('@tarmac/connector', {
  CONNECTOR_ERR_INVALID_OPTIONS: {
    domain: 'configuration',
    layer: 'application',
    meaning: '`createConnector` or `update` got invalid or unknown options; the message lists them all',
    action: 'Fix every listed option. An invalid `update` changed nothing.',
  },
  CONNECTOR_ERR_NOT_LISTENING: {
    domain: 'application',
    layer: 'application',
    meaning: '`connector.address` was read before `listen()` resolved, or after `close()`',
    action: 'Await `listen()` first; use the address it returns.',
  },
  CONNECTOR_ERR_ALREADY_LISTENING: {
    domain: 'application',
    layer: 'application',
    meaning: '`listen()` was called twice',
    action: 'Create a second connector for a second port.',
  },
  CONNECTOR_ERR_LISTEN_FAILED: {
    domain: 'configuration',
    layer: 'tcp',
    meaning: 'The port could not be bound (`cause` has `EADDRINUSE`, `EACCES`, …)',
    action: 'Pick another port, or port 0 for a free one.',
  },
  CONNECTOR_ERR_CLOSED: {
    domain: 'application',
    layer: 'application',
    meaning: '`listen()` after `close()`',
    action: 'Create a new connector.',
  },
  CONNECTOR_ERR_UPSTREAM_UNREACHABLE: {
    domain: 'infrastructure',
    layer: 'tcp',
    meaning:
      'Recorded, not thrown: the upstream dial failed (`cause` has `ECONNREFUSED`, …). The client was reset; `stats().upstreamErrors` counts it and `upstream-error` carries it.',
    action: 'Check `upstream` — is Postgres running on that host and port?',
  },
  CONNECTOR_ERR_UPSTREAM_TIMEOUT: {
    domain: 'infrastructure',
    layer: 'tcp',
    meaning:
      'Recorded, not thrown: the upstream did not accept within `upstreamTimeoutMs`. Same handling as above.',
    action: 'Check the upstream and the path to it; raise `upstreamTimeoutMs` if it is merely slow.',
  },
})

/** Every code of `@tarmac/connector`. Each is documented in the package README. */
export const CONNECTOR_ERROR_CODES = CONNECTOR_FAULTS.codes
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
