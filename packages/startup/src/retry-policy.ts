// Browser-safe on purpose (no imports, no Node APIs): exported alone as `@tarmac/startup/retry-policy` so the
// web app's reconnect and resend backoff uses this same full jitter.

/** Defaults for component retries, from DESIGN.md's budgets. */
export const RETRY_DEFAULTS = Object.freeze({ baseMs: 250, capMs: 10_000 })

/** The largest sleep allowed before retry number `retryIndex` (0 for the first retry): min(cap, base·2^n). */
export function backoffWindowMs(retryIndex: number, baseMs: number, capMs: number): number {
  // 2^n overflows to Infinity for large n, which min() then caps: no special case needed.
  return Math.min(capMs, baseMs * 2 ** retryIndex)
}

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): sleep = random(0, window).
 * Spreading retries over the whole window keeps many instances that failed together from retrying together.
 * @example fullJitterDelayMs(3, { baseMs: 250, capMs: 10_000 }) // somewhere in [0, 2000)
 */
export function fullJitterDelayMs(
  retryIndex: number,
  policy: { readonly baseMs: number; readonly capMs: number },
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffWindowMs(retryIndex, policy.baseMs, policy.capMs))
}
