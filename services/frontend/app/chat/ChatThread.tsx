import type { FormEvent, KeyboardEvent } from 'react'
import { useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { Link } from '../link.js'
import type { ChatConnection } from './chat-connection.js'
import type { ChatMessage, ChatState } from './chat-machine.js'

const STATUS_LABEL: Partial<Record<ChatMessage['status'], string>> = {
  sending: 'Sending…',
  streaming: 'Typing…',
  failed: 'Failed',
}

function useNowMs(active: boolean): number {
  const [nowMs, setNowMs] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    const timer = setInterval(() => setNowMs(Date.now()), 1_000)
    return () => clearInterval(timer)
  }, [active])
  return nowMs
}

/** The banner that says, in words, why chat is not working and what happens next. */
export function ConnectionBanner({ state, onRetry }: { state: ChatState; onRetry: () => void }) {
  const nowMs = useNowMs(state.retryAtMs !== null)
  const seconds = state.retryAtMs === null ? null : Math.max(0, Math.ceil((state.retryAtMs - nowMs) / 1000))
  const retry = seconds === null ? '' : seconds > 0 ? ` Retrying in ${seconds} s.` : ' Retrying now.'
  switch (state.connection) {
    case 'open':
      return null
    case 'connecting':
      return (
        <p className="banner info" role="status">
          Connecting to chat…
        </p>
      )
    case 'reconnecting':
      return (
        <p className="banner warn" role="status">
          Connection lost. Your messages are kept and sent when it is back.{retry}
        </p>
      )
    case 'unavailable':
      return (
        <div className="banner fail" role="alert" data-testid="chat-unavailable">
          <strong>Chat is unavailable.</strong> The chat service is not answering; messages you write are kept
          and sent when it is back.{retry}{' '}
          <button type="button" onClick={onRetry}>
            Try now
          </button>{' '}
          <Link href="/status">See status</Link>
        </div>
      )
    case 'unauthorized':
      return (
        <p className="banner fail" role="alert">
          Your session has expired. <a href="/login">Log in again</a>.
        </p>
      )
  }
}

/** One thread: the messages as they stream in, the connection banner and the composer. */
export function ChatThread({ connection }: { connection: ChatConnection }) {
  const state = useSyncExternalStore(connection.subscribe, connection.getState)
  const [draft, setDraft] = useState('')
  const endRef = useRef<HTMLDivElement>(null)
  const last = state.messages.at(-1)
  // Braces matter: newer browsers return a Promise from scrollIntoView, and an effect must return no Promise.
  useEffect(() => {
    void endRef.current?.scrollIntoView?.({ block: 'end' })
  }, [state.messages.length, last?.text])

  const submit = (event?: FormEvent) => {
    event?.preventDefault()
    const text = draft.trim()
    if (!text || state.connection === 'unauthorized') return
    connection.send(text)
    setDraft('')
  }
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) submit(event)
  }

  return (
    <section className="thread" aria-label="Conversation">
      <ConnectionBanner state={state} onRetry={() => connection.retryNow()} />
      {state.error && state.connection === 'open' && (
        <p className="banner warn" role="alert">
          {state.error.message} ({state.error.code})
        </p>
      )}
      <ol className="messages" aria-live="polite" aria-relevant="additions text">
        {state.messages.length === 0 && <li className="empty">No messages yet. Say hello.</li>}
        {state.messages.map((message) => (
          <li
            key={message.key}
            className={`message ${message.role} ${message.status}`}
            data-status={message.status}
          >
            <span className="who">{message.role === 'user' ? 'You' : 'Assistant'}</span>
            <p className="text">{message.text || (message.status === 'streaming' ? '…' : '')}</p>
            {STATUS_LABEL[message.status] && (
              <span className="state">
                {message.waiting ? 'Retrying shortly…' : STATUS_LABEL[message.status]}
                {message.errorCode ? ` (${message.errorCode})` : ''}
              </span>
            )}
            {message.role === 'user' && message.status === 'failed' && message.clientMsgId !== undefined && (
              <button type="button" className="retry" onClick={() => connection.retry(message.clientMsgId!)}>
                Retry
              </button>
            )}
          </li>
        ))}
      </ol>
      <div ref={endRef} />
      <form className="composer" onSubmit={submit}>
        <label htmlFor="composer-text" className="visually-hidden">
          Message
        </label>
        <textarea
          id="composer-text"
          rows={2}
          value={draft}
          placeholder="Write a message. Enter sends, Shift+Enter starts a new line."
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          disabled={state.connection === 'unauthorized'}
          maxLength={8000}
        />
        <button type="submit" disabled={!draft.trim() || state.connection === 'unauthorized'}>
          Send
        </button>
      </form>
    </section>
  )
}
