import type { ChatClient, MessageTiming } from './harness.js'

/**
 * Open loop: messages are due at a fixed aggregate rate, round-robin over the clients, whatever the server
 * does — and every latency is measured from when the message was *due*, not when it was written, so a
 * backlog (on either side) shows up as latency instead of silently lowering the rate (coordinated omission).
 * Waits up to `drainMs` after the last send for the answers still in flight.
 */
export async function openLoop(
  clients: readonly ChatClient[],
  options: { ratePerSecond: number; durationMs: number; drainMs: number; text: string },
): Promise<{ timings: MessageTiming[]; sendLagMs: number[] }> {
  const total = Math.round((options.ratePerSecond * options.durationMs) / 1000)
  const intervalMs = 1000 / options.ratePerSecond
  const timings: MessageTiming[] = []
  const sendLagMs: number[] = []
  const startMs = performance.now() + 50
  let next = 0
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now()
      // Everything due by now goes out, each stamped with its own due time.
      while (next < total && startMs + next * intervalMs <= now) {
        const dueMs = startMs + next * intervalMs
        timings.push(clients[next % clients.length]!.send(options.text, dueMs))
        sendLagMs.push(now - dueMs)
        next++
      }
      if (next >= total) return resolve()
      setTimeout(tick, Math.max(0, startMs + next * intervalMs - performance.now()))
    }
    setTimeout(tick, Math.max(0, startMs - performance.now()))
  })
  const drainUntil = performance.now() + options.drainMs
  while (performance.now() < drainUntil && timings.some((t) => t.completedMs === undefined && !t.failed))
    await new Promise((resolve) => setTimeout(resolve, 20))
  return { timings, sendLagMs }
}
