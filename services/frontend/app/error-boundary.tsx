import type { ErrorInfo, ReactNode } from 'react'
import { Component } from 'react'

/** A render error shows a way out instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false }

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true }
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('the page failed to render', error, info.componentStack)
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children
    return (
      <main>
        <h1>Something went wrong</h1>
        <p role="alert">
          This page failed to render. <a href="/chat">Reload chat</a> or see <a href="/status">Status</a>.
        </p>
      </main>
    )
  }
}
