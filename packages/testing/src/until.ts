/**
 * Polls `predicate` until it holds; throws once `withinMs` has passed without it. For tests that wait on
 * something asynchronous they cannot await directly (a frame arriving, a counter reaching a value).
 * @example await until(() => socket.sent.length === 2)
 */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  withinMs = 10_000,
  intervalMs = 10,
): Promise<void> {
  const deadlineMs = performance.now() + withinMs
  while (!(await predicate())) {
    if (performance.now() > deadlineMs) throw new Error(`condition not met within ${withinMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
