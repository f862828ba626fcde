import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, getFreePort, type TestDatabase } from '@tarmac/testing'
import { api, startBackend, type RunningBackend } from './support/backend-harness.js'
import { ChatClient } from './support/ws-client.js'

// End to end with the real services/auth, run as a child process (a service never imports another).
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
let authDb: TestDatabase
let backendDb: TestDatabase
let auth: ChildProcess
let authUrl: string
let backend: RunningBackend
beforeAll(async () => {
  authDb = await createTestDatabase('backend_e2e_auth')
  backendDb = await createTestDatabase('backend_e2e')
  const port = await getFreePort()
  authUrl = `http://127.0.0.1:${port}`
  auth = spawn(
    process.execPath,
    ['--conditions=@tarmac/source', '--import', 'tsx', 'services/auth/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: authDb.url,
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    },
  )
  for (let i = 0; ; i++) {
    if (
      await fetch(`${authUrl}/health/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    if (i > 600) throw new Error('services/auth did not become ready in 60 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  backend = await startBackend({ databaseUrl: backendDb.url, authUrl })
}, 90_000)
afterAll(async () => {
  await backend?.stop()
  if (auth && auth.exitCode === null) {
    auth.kill('SIGTERM')
    await new Promise((resolve) => auth.once('exit', resolve))
  }
  await authDb?.drop()
  await backendDb?.drop()
})

describe('with the real auth service', () => {
  it('a user signed up at auth chats over REST and WebSocket with its access token', async () => {
    const signup = await fetch(`${authUrl}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'e2e@example.com',
        password: 'correct horse battery',
        displayName: 'E2E',
      }),
    })
    expect(signup.status).toBe(201)
    const session = (await signup.json()) as { accessToken: string; user: { id: string } }
    const thread = await api(backend.url, session.accessToken, 'POST', '/api/threads', { title: 'e2e' })
    expect(thread.status).toBe(201)
    const client = await ChatClient.withSubprotocol(backend.wsUrl, session.accessToken)
    expect(await client.next((f) => f.type === 'auth.ok')).toEqual({
      type: 'auth.ok',
      userId: session.user.id,
      expiresAt: expect.any(String),
    })
    client.send({ type: 'message.send', threadId: thread.body.id!, clientMsgId: 'e2e-1', text: 'status?' })
    const completed = await client.next((f) => f.type === 'run.completed')
    expect(completed.text).toMatch(/Service backend is started/)
    client.close()
  })
})
