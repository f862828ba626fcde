import { afterAll, describe, expect, it } from 'vitest'
import { startedBeforeAll } from './support/built-service.js'
import { createThread, roundTrip, signUp, socketOnEachBackend, type ChatClient } from './support/chat.js'
import { startUp, type UpStack } from './support/up-stack.js'

// `npx tarmac up --backends 2` from the build, as a user runs it after `npm start`: the embedded database, the
// redis-server `up` starts for the two backends (none is given), and the frontend balancing across them.
const sockets: ChatClient[] = []
let started: UpStack | undefined

// info: the frontend logs which backend each WebSocket it tunnelled went to.
const stack = startedBeforeAll(
  async () => (started = await startUp({ from: 'build', backends: 2, env: { LOG_LEVEL: 'info' } })),
)

afterAll(async () => {
  for (const socket of sockets) socket.close()
  await started?.stop()
}, 60_000)

describe('tarmac up --backends 2, from the build', () => {
  it('reaches ready with Redis and both backends, and chats through the frontend on each', async () => {
    const up = await stack()
    expect(up.run.output()).toMatch(
      /redis\s+│ listening on redis:\/\/127\.0\.0\.1:\d+ \(started for --backends 2\)/,
    )
    expect(Object.keys(up.urls).sort()).toEqual(['auth', 'backend-1', 'backend-2', 'frontend'])
    const frontend = up.urls.frontend!
    const token = await signUp(frontend)
    const ports = ['backend-1', 'backend-2'].map((name) => Number(new URL(up.urls[name]!).port))
    const { byPort, opened } = await socketOnEachBackend(frontend, token, ports, () =>
      up.linesOf('frontend', { count: 10_000 }),
    )
    sockets.push(...opened)
    expect([...byPort.keys()].sort()).toEqual([...ports].sort())
    for (const socket of byPort.values()) {
      const threadId = await createThread(frontend, token)
      const { completed } = await roundTrip(socket, threadId)
      expect(completed.text).toContain('Event bus: redis')
    }
  }, 480_000)
})
