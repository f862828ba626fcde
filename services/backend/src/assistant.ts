import type { StartupReport } from '@tarmac/startup'
import type { MessageRole } from '@tarmac/protocol'

export const PROVIDER_NAMES = ['local', 'openai'] as const
export type ProviderName = (typeof PROVIDER_NAMES)[number]

/** One turn of the conversation as the provider sees it. */
export interface AssistantTurn {
  readonly role: MessageRole
  readonly text: string
}

/** What the local assistant may read about the platform to answer "how are you?" truthfully. */
export interface PlatformState {
  readonly startup: () => StartupReport
  readonly database: () => Record<string, unknown> | undefined
  readonly bus: () => string | undefined
  readonly connections: () => number
}

/**
 * An assistant: streams the reply to a conversation as text pieces. `metadata` is stored with every reply
 * (which provider and model answered, whether it was the offline one).
 */
export interface AssistantProvider {
  readonly name: ProviderName
  readonly metadata: Readonly<Record<string, unknown>>
  /** Throws `BACKEND_ERR_PROVIDER_UNAVAILABLE` when the provider cannot answer (startup, `dependencies`). */
  check(signal: AbortSignal): Promise<void>
  stream(turns: readonly AssistantTurn[], signal: AbortSignal): AsyncIterable<string>
}
