import type { FormEvent } from 'react'
import { useState } from 'react'
import { ApiError, authRequest } from '../api/http.js'
import type { TokenResponse } from '../api/session.js'
import { setSession } from '../api/session.js'
import { Link } from '../link.js'
import { navigate } from '../router.js'

const MESSAGES: Record<string, string> = {
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  EMAIL_TAKEN: 'An account with this email already exists. Log in instead.',
  WEAK_PASSWORD: 'Choose a longer password: at least 10 characters.',
  RATE_LIMITED: 'Too many attempts. Wait a minute and try again.',
  VALIDATION_FAILED: 'Check the fields: a valid email, and a password of at least 10 characters.',
}

function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Try again.'
  if (error.unavailable)
    return 'Sign-in is unavailable right now: the auth service is not answering. See Status.'
  return MESSAGES[error.code] ?? `${error.message} (${error.code})`
}

/** Sign up or log in; on success the session is stored and the user lands in chat. */
export function AuthPage({ mode }: { mode: 'login' | 'signup' }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const signup = mode === 'signup'

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const field = (name: string) => {
      const value = form.get(name)
      return typeof value === 'string' ? value : ''
    }
    setBusy(true)
    setError(null)
    try {
      const tokens = await authRequest<TokenResponse>(
        signup ? '/auth/signup' : '/auth/login',
        signup
          ? { email: field('email'), password: field('password'), displayName: field('displayName') }
          : { email: field('email'), password: field('password') },
      )
      setSession(tokens)
      navigate('/chat', { replace: true })
    } catch (caught) {
      setError(explain(caught))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main className="auth">
      <h1>{signup ? 'Create your account' : 'Log in'}</h1>
      <form onSubmit={(event) => void submit(event)} aria-describedby={error ? 'auth-error' : undefined}>
        {signup && (
          <label>
            Display name
            <input name="displayName" autoComplete="nickname" required maxLength={80} />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={signup ? 'new-password' : 'current-password'}
            required
            minLength={signup ? 10 : undefined}
          />
        </label>
        {error && (
          <p id="auth-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Please wait…' : signup ? 'Sign up' : 'Log in'}
        </button>
      </form>
      <p>
        {signup ? 'Already have an account? ' : 'New here? '}
        <Link href={signup ? '/login' : '/signup'}>{signup ? 'Log in' : 'Create an account'}</Link>
      </p>
    </main>
  )
}
