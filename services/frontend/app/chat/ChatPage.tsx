import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react'
import type { Thread } from '../api/chat-api.js'
import { createThread, listThreads, loadMessages } from '../api/chat-api.js'
import { ApiError, refreshSession } from '../api/http.js'
import { getSession } from '../api/session.js'
import { Link } from '../link.js'
import { navigate } from '../router.js'
import type { SocketLike } from './chat-connection.js'
import { ChatConnection } from './chat-connection.js'
import { ChatThread } from './ChatThread.js'

function socketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
}

function describe(error: unknown): string {
  if (error instanceof ApiError && error.unavailable) {
    const why = error.errorClass ? ` (${error.service ?? 'backend'}: ${error.errorClass})` : ''
    return `Chat is unavailable: the chat service is not answering${why}.`
  }
  return error instanceof ApiError ? `${error.message} (${error.code})` : 'Something went wrong.'
}

/** Thread list, new thread, and the open thread. One WebSocket for the page, kept across threads. */
export function ChatPage({ threadId }: { threadId: string | null }) {
  const connectionRef = useRef<ChatConnection | null>(null)
  connectionRef.current ??= new ChatConnection({
    url: socketUrl(),
    token: () => getSession()?.accessToken ?? null,
    createSocket: (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike,
    loadHistory: loadMessages,
    refreshToken: refreshSession,
  })
  const connection = connectionRef.current
  const connectionState = useSyncExternalStore(connection.subscribe, () => connection.state.connection)
  const [threads, setThreads] = useState<readonly Thread[] | null>(null)
  const [listError, setListError] = useState<string | null>(null)
  const [creating, setCreating] = useState(false)

  useEffect(() => {
    connection.connect()
    return () => connection.close()
  }, [connection])

  const refreshThreads = useCallback(async () => {
    try {
      setThreads(await listThreads())
      setListError(null)
    } catch (error) {
      setListError(describe(error))
    }
  }, [])

  // Load the list on mount, and again whenever the socket comes back: the backend is up again.
  useEffect(() => {
    void refreshThreads()
  }, [refreshThreads])
  useEffect(() => {
    if (connectionState === 'open') void refreshThreads()
  }, [connectionState, refreshThreads])

  useEffect(() => {
    if (threadId) connection.openThread(threadId)
  }, [connection, threadId])

  const newThread = async () => {
    setCreating(true)
    try {
      const thread = await createThread()
      setThreads((current) => [thread, ...(current ?? [])])
      navigate(`/chat/${thread.id}`)
    } catch (error) {
      setListError(describe(error))
    } finally {
      setCreating(false)
    }
  }

  return (
    <main className="chat">
      <nav className="threads" aria-label="Threads">
        <button type="button" onClick={() => void newThread()} disabled={creating}>
          New thread
        </button>
        {listError && (
          <p className="banner fail" role="alert">
            {listError}
          </p>
        )}
        {threads === null && !listError && <p className="muted">Loading threads…</p>}
        <ul>
          {threads?.map((thread) => (
            <li key={thread.id}>
              <Link href={`/chat/${thread.id}`} aria-current={thread.id === threadId ? 'page' : undefined}>
                {thread.title || `Thread of ${new Date(thread.createdAt).toLocaleString()}`}
              </Link>
            </li>
          ))}
        </ul>
        {threads?.length === 0 && <p className="muted">No threads yet.</p>}
      </nav>
      {threadId ? (
        <ChatThread connection={connection} />
      ) : (
        <section className="thread placeholder">
          <p>Pick a thread or start a new one.</p>
        </section>
      )}
    </main>
  )
}
