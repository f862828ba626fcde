import type { ChatClient, MessageTiming } from './harness.js'

/**
 * Closed loop: every client sends, waits for its run to complete, pauses, sends the next. Latency here is
 * mostly queueing once the server saturates (each client waits for the last answer before asking again), so
 * this measures throughput; `openLoop` measures latency.
 */
export async function closedLoop(
  clients: readonly ChatClient[],
  options: { messages: number; pauseMs: number; text: string },
): Promise<{ timings: MessageTiming[]; durationMs: number }> {
  const timings: MessageTiming[] = []
  const startedMs = performance.now()
  await Promise.all(
    clients.map(async (client) => {
      for (let m = 0; m < options.messages; m++) {
        await new Promise<void>((resolve) => {
          const timing = client.send(options.text, performance.now())
          timing.settle = resolve
          timings.push(timing)
        })
        await new Promise((resolve) => setTimeout(resolve, options.pauseMs))
      }
    }),
  )
  return { timings, durationMs: performance.now() - startedMs - options.pauseMs }
}
