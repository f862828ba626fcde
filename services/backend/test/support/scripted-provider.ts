import type { AssistantProvider, AssistantTurn } from '../../src/assistant.js'

/**
 * A provider scripted by the test, standing in for a remote LLM: each stream yields `thinking `, then waits
 * until the test calls `release()`, then yields `answer <n>` — or throws `failWith` when it is set.
 */
export class ScriptedProvider implements AssistantProvider {
  readonly name = 'local' as const
  readonly metadata = { provider: 'scripted' }
  readonly seen: AssistantTurn[][] = []
  readonly #releases: (() => void)[] = []
  failWith: Error | undefined

  async check(): Promise<void> {}

  async *stream(turns: readonly AssistantTurn[], signal: AbortSignal): AsyncIterable<string> {
    this.seen.push([...turns])
    yield 'thinking '
    await new Promise<void>((resolve, reject) => {
      this.#releases.push(resolve)
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })
    })
    if (this.failWith) throw this.failWith
    yield `answer ${this.seen.length}`
  }

  /** Streams waiting for `release()`. */
  get waiting(): number {
    return this.#releases.length
  }

  release(): void {
    this.#releases.shift()?.()
  }
}
