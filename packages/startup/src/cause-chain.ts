/** How many links `causeChain` follows unless told otherwise. */
export const CAUSE_CHAIN_MAX_LENGTH = 8

/**
 * `error`, then its `cause`, the cause's `cause`… as a list: at most `maxLength` entries, ending at the
 * first link that is `null`/`undefined` or has no `cause` to follow (a primitive), or that repeats.
 * @example causeChain(fetchError).find((e) => typeof (e as { code?: unknown }).code === 'string')
 */
export function causeChain(error: unknown, maxLength = CAUSE_CHAIN_MAX_LENGTH): unknown[] {
  const chain: unknown[] = []
  for (let current = error; current !== undefined && current !== null && chain.length < maxLength;) {
    if (chain.includes(current)) break
    chain.push(current)
    if (typeof current !== 'object' && typeof current !== 'function') break
    current = (current as { cause?: unknown }).cause
  }
  return chain
}
