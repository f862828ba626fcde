/**
 * A programming error: the application's own code is wrong (it calls what is not a function, reads what does
 * not exist, passes Node an argument of the wrong type). No retry changes that, so nothing retries it, and its
 * domain is `application` whatever the component it came from.
 */

/** JavaScript's own errors for code that misuses a value, names what does not exist, or does not parse. */
export const PROGRAMMING_ERROR_NAMES = ['TypeError', 'ReferenceError', 'SyntaxError'] as const
export type ProgrammingErrorName = (typeof PROGRAMMING_ERROR_NAMES)[number]

/** A system error code (`ECONNREFUSED`, `ENOTFOUND`, `EAI_AGAIN`) or undici's (`UND_ERR_SOCKET`): the network. */
const NETWORK_CODE = /^((?!ERR_)E[A-Z0-9_]+|UND_ERR_[A-Z0-9_]+)$/
const MAX_DEPTH = 8

interface ErrorLike {
  name?: unknown
  code?: unknown
  cause?: unknown
  message?: unknown
}

/**
 * undici's `TypeError: fetch failed`: the network's failure dressed as a `TypeError`, its reason (if any) in
 * `cause`. Never a programming error, with a cause or without one.
 */
export function isFetchFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { name, code, message } = error as ErrorLike
  // A live error has the name; a recorded one (`{ code: 'TypeError', message }` in a report) the code.
  return (name === 'TypeError' || code === 'TypeError') && message === 'fetch failed'
}

/**
 * The rule, precisely. An error is a programming error when
 * 1. its `name` is `TypeError`, `ReferenceError` or `SyntaxError`, and
 * 2. its `code`, if it has one, is not a network code (`E…` system codes, `UND_ERR_…`); Node's own `ERR_…`
 *    codes (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_URL`…) are wrong arguments, so they count; and
 * 3. it is not undici's `fetch failed` (`isFetchFailure`), bare or wrapping, and
 * 4. it has no `cause`, or its `cause` is itself a programming error. A `TypeError` with a cause is a wrapper:
 *    undici's `fetch` throws `TypeError: fetch failed` with the network error (`ECONNREFUSED`, `ENOTFOUND`,
 *    `UND_ERR_CONNECT_TIMEOUT`…) as its cause — the network's move, judged by that cause and retried.
 *
 * A recorded failure (`{ code: 'TypeError' }` in a report) has no `name`: it is judged by its annotation.
 * @example
 * isProgrammingError(new TypeError('Redis is not a constructor')) // true
 * isProgrammingError(new TypeError('fetch failed', { cause: econnrefused })) // false
 */
export function isProgrammingError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH) return false
  const { name, code, cause } = error as ErrorLike
  if (!(PROGRAMMING_ERROR_NAMES as readonly unknown[]).includes(name)) return false
  if (isFetchFailure(error)) return false
  if (typeof code === 'string' && NETWORK_CODE.test(code)) return false
  return cause === undefined || isProgrammingError(cause, depth + 1)
}

/** The name a programming error is recorded under: its own `code` (`ERR_INVALID_ARG_TYPE`) or its name. */
export function programmingErrorCode(error: unknown): string {
  const { name, code } = error as ErrorLike
  return typeof code === 'string' && code !== '' ? code : String(name)
}
