import type { ChildProcess } from 'node:child_process'

/** How a child ended: its exit code, or the signal that killed it (SIGKILL is not "code 128"). */
export interface ChildExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** What a running child is: its process, its URL, and how it ended once it has. */
export interface RunningService {
  readonly child: ChildProcess
  readonly url: string
  /** Resolves when the child exits. */
  readonly exited: Promise<ChildExit>
}
