import type { StartupReport } from '@tarmac/startup'
import type { AssistantProvider, AssistantTurn, PlatformState } from './assistant.js'
import { faults } from './faults.js'

/** What the local assistant knows how to answer, tried in this order. */
export const LOCAL_TOPICS = ['status', 'database', 'conversation', 'help'] as const
export type LocalTopic = (typeof LOCAL_TOPICS)[number]

const TOPIC_WORDS: Record<Exclude<LocalTopic, 'help'>, RegExp> = {
  status:
    /\b(status|health|healthy|startup|start|ready|readiness|degraded|phases?|up|running|how are you|why|fault|failing|error)\b/i,
  database: /\b(database|db|postgres|postgresql|pool|connections?|migrations?)\b/i,
  conversation: /\b(conversation|history|thread|messages?|said|summar(y|ize|ise))\b/i,
}

export const LOCAL_METADATA = Object.freeze({
  provider: 'local',
  model: 'tarmac-local-1',
  offline: true,
  deterministic: true,
  note: 'answered by the offline local assistant from platform state, not by a language model',
})

/** Which topic a question is about. */
export function topicOf(text: string): LocalTopic {
  for (const topic of ['status', 'database', 'conversation'] as const) {
    if (TOPIC_WORDS[topic].test(text)) return topic
  }
  return 'help'
}

/**
 * An error code in words, from the fault model: whose move it is, where, what it means and what to do. The
 * same lookup the status page, the monitor and diagnose use.
 */
export function explainCode(code: string): string {
  const declared = faults.lookup(code)
  if (!declared) return `${code} (not a code I know)`
  const where = declared.domain ? ` — ${declared.domain}${declared.layer ? `/${declared.layer}` : ''}` : ''
  return `${code}${where}: ${declared.meaning}; what to do: ${declared.action}`
}

/** The startup report in sentences: state, each phase's duration, degraded components, retried ones. */
export function describeStartup(report: StartupReport): string {
  const lines: string[] = []
  const where = report.state === 'starting' && report.currentPhase ? ` (in phase ${report.currentPhase})` : ''
  lines.push(
    `Service ${report.service} is ${report.state}${where}; startup took ${report.durationMs ?? 0} ms.`,
  )
  const phases = report.phases
    .filter((phase) => phase.durationMs !== null && phase.durationMs !== undefined)
    .map((phase) => `${phase.name} ${phase.durationMs} ms`)
  if (phases.length > 0) lines.push(`Phases: ${phases.join(', ')}.`)
  const components = report.phases.flatMap((phase) => phase.components)
  const degraded = components.filter((c) => c.state === 'degraded' || c.state === 'failed')
  if (degraded.length === 0) lines.push('No component is degraded.')
  for (const c of degraded) {
    const last = c.errors.at(-1)
    lines.push(
      `Component ${c.name} is ${c.state} after ${c.attempts} attempts${last ? `, last error ${explainCode(last.code)} (${last.message})` : ''}.`,
    )
  }
  const retried = components.filter((c) => c.state === 'started' && c.attempts > 1)
  for (const c of retried) {
    lines.push(
      `Component ${c.name} needed ${c.attempts} attempts (first error ${c.errors[0] ? explainCode(c.errors[0].code) : 'unknown'}).`,
    )
  }
  if (report.failure) lines.push(`Startup failed in ${report.failure.phase}/${report.failure.component}.`)
  return lines.join(' ')
}

/** The whole answer, deterministic for a given question and platform state. */
export function localAnswer(turns: readonly AssistantTurn[], state: PlatformState): string {
  const question = [...turns].reverse().find((turn) => turn.role === 'user')?.text ?? ''
  switch (topicOf(question)) {
    case 'status':
      return [
        describeStartup(state.startup()),
        `Event bus: ${state.bus() ?? 'not started'}. Open WebSocket connections: ${state.connections()}.`,
      ].join(' ')
    case 'database': {
      const facts = state.database()
      if (!facts) return 'The database is not connected yet.'
      return `Database: ${Object.entries(facts)
        .map(([key, value]) => `${key} ${JSON.stringify(value)}`)
        .join('; ')}.`
    }
    case 'conversation': {
      const users = turns.filter((turn) => turn.role === 'user').length
      return `This thread has ${turns.length} messages in my context: ${users} from you and ${turns.length - users} from me. Your first message in it was: "${turns[0]?.text.slice(0, 200) ?? ''}".`
    }
    case 'help':
      return `I am the local assistant: offline and deterministic, not a language model. I answer from the platform's own state. Ask me about "status" (the startup report and dependency health), "database" (connection and pool facts) or "conversation" (this thread). You wrote ${question.split(/\s+/).filter(Boolean).length} words.`
  }
}

/**
 * Streams an answer in pieces of a few words. The answer is whole before the first piece (it is computed, not
 * generated), so no piece waits for the event loop: the run's deltas merge into two frames (`DeltaBatcher`: the
 * first piece at once, the rest at the stream's end) instead of one frame per piece when the loop is busy.
 */
export async function* streamWords(text: string, wordsPerPiece: number, signal: AbortSignal) {
  const words = text.split(/(?<=\s)/)
  for (let i = 0; i < words.length; i += wordsPerPiece) {
    signal.throwIfAborted()
    yield words.slice(i, i + wordsPerPiece).join('')
  }
}

/** The default provider: offline, deterministic, labelled as such in every reply's metadata. */
export function createLocalAssistant(state: PlatformState): AssistantProvider {
  return {
    name: 'local',
    metadata: LOCAL_METADATA,
    async check() {},
    stream: (turns, signal) => streamWords(localAnswer(turns, state), 4, signal),
  }
}
