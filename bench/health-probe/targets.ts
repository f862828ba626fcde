/** What the parent and the server process agree on. */
export const TARGETS = ['bare', 'tarmac', 'terminus'] as const
export type Target = (typeof TARGETS)[number]
export type Command = { cmd: 'start'; target: Target } | { cmd: 'stop' }
