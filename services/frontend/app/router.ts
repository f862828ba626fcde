import { useSyncExternalStore } from 'react'

const listeners = new Set<() => void>()
window.addEventListener('popstate', () => listeners.forEach((listener) => listener()))

/** Navigates within the app without a page load. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname) return
  if (options.replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  listeners.forEach((listener) => listener())
}

/** The current path; re-renders on navigation. */
export function usePath(): string {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    () => location.pathname,
  )
}
