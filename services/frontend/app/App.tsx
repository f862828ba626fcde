import { useEffect, useSyncExternalStore } from 'react'
import { logout, refreshSession } from './api/http.js'
import { getSession, needsAccessToken, subscribeSession } from './api/session.js'
import { AuthPage } from './auth/AuthPage.js'
import { ChatPage } from './chat/ChatPage.js'
import { Link } from './link.js'
import { navigate, usePath } from './router.js'
import { StatusPage } from './status/StatusPage.js'

/** Pages: `/login`, `/signup`, `/chat[/:threadId]` (signed in), `/status` (open to everyone). */
export function App() {
  const path = usePath()
  const session = useSyncExternalStore(subscribeSession, getSession)
  const chatMatch = /^\/chat(?:\/([^/]+))?\/?$/.exec(path)
  const needsSession = path === '/' || chatMatch !== null
  const destination = needsSession ? (session ? (path === '/' ? '/chat' : null) : '/login') : null

  useEffect(() => {
    if (destination) navigate(destination, { replace: true })
  }, [destination])

  // After a reload (or another tab's login) this tab has a user but no access token yet: trade the refresh
  // cookie for one — signed out if auth refuses it, retried while auth does not answer.
  const signingIn = needsAccessToken(session)
  useEffect(() => {
    if (!signingIn) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const attempt = () =>
      void refreshSession().then((ok) => {
        if (!ok && needsAccessToken(getSession())) timer = setTimeout(attempt, 5_000)
      })
    attempt()
    return () => clearTimeout(timer)
  }, [signingIn])

  let page
  if (path === '/status') page = <StatusPage />
  else if (path === '/login' || path === '/signup')
    page = <AuthPage key={path} mode={path === '/login' ? 'login' : 'signup'} />
  else if (chatMatch && session && signingIn)
    page = (
      <main>
        <p role="status">Signing in…</p>
      </main>
    )
  else if (chatMatch && session) page = <ChatPage key={session.user.id} threadId={chatMatch[1] ?? null} />
  else if (!destination)
    page = (
      <main>
        <h1>Not found</h1>
        <p>
          No page here. <Link href="/chat">Go to chat</Link>.
        </p>
      </main>
    )

  return (
    <>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="top">
        <Link href="/chat" className="brand">
          Tarmac
        </Link>
        <nav aria-label="Main">
          <Link href="/chat" aria-current={chatMatch ? 'page' : undefined}>
            Chat
          </Link>
          <Link href="/status" aria-current={path === '/status' ? 'page' : undefined}>
            Status
          </Link>
          {session ? (
            <button
              type="button"
              className="link"
              onClick={() => {
                void logout().then(() => navigate('/login'))
              }}
            >
              Log out {session.user.displayName}
            </button>
          ) : (
            <Link href="/login">Log in</Link>
          )}
        </nav>
      </header>
      <div id="content">{page}</div>
    </>
  )
}
