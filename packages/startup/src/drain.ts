/** How long {@link drain} waits. */
export interface DrainOptions {
  readonly timeoutMs: number
}

/**
 * Waits until every promise has settled (fulfilled or rejected, neither is an error here) or `timeoutMs`
 * has passed, whichever comes first; true when they all settled in time. The timer never outlives the call.
 * @example if (!(await drain(runs, { timeoutMs: 5_000 }))) for (const run of runs) run.abort()
 */
export async function drain(
  promises: Iterable<PromiseLike<unknown>>,
  options: DrainOptions,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<false>(
    (resolve) => (timer = setTimeout(() => resolve(false), options.timeoutMs)),
  )
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => true as const), timedOut])
  } finally {
    clearTimeout(timer)
  }
}
