/** The subprotocol a client offers (with `bearer.<access JWT>`) and the server selects. */
export const SUBPROTOCOL = 'tarmac.v1'
/** Prefix of the second offered subprotocol, which carries the access token. */
export const BEARER_PROTOCOL_PREFIX = 'bearer.'

/** The subprotocols a client offers: `['tarmac.v1', 'bearer.<token>']`, or just `['tarmac.v1']` without one. */
export const offeredProtocols = (token?: string | null): string[] =>
  token ? [SUBPROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`] : [SUBPROTOCOL]

/** The close codes the backend uses, and what a client does about each. */
export const CLOSE_CODES = Object.freeze({
  /** Shutdown: the server is going away; reconnect (another instance will answer). */
  goingAway: 1001,
  /** A frame above the hard payload cap (`maxPayloadBytes`). */
  messageTooBig: 1009,
  /** The upgrade raced the readiness gate, or the auth service could not vouch for the token: retry later. */
  tryAgainLater: 1013,
  /** Not authenticated within `authTimeoutMs`, or a bad token: get a fresh token, then reconnect. */
  unauthorized: 4401,
  /** The token the socket authenticated with expired (no fresh `auth` frame came before `exp`). */
  tokenExpired: 4408,
  /** Too many sockets for this user or this remote address. */
  tooManySockets: 4429,
})
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES]

/** Close codes a fresh token cures: refresh it and reconnect. */
export const isAuthClose = (code: number): boolean =>
  code === CLOSE_CODES.unauthorized || code === CLOSE_CODES.tokenExpired
