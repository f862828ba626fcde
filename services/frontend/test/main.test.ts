import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getFreePort } from '@tarmac/testing'
import { describe, expect, it } from 'vitest'

// The real entry point in a child process: exit codes and the failure line are the contract (DESIGN.md).
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=@tarmac/source', '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', NODE_ENV: 'test', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  )
  return { child, exited }
}

describe('src/main.ts', () => {
  it('exits 3 naming every bad variable', async () => {
    const { exited } = runMain({
      PORT: '3000',
      BACKEND_URL: 'ftp://nope',
      STATUS_TIMEOUT_MS: '-1',
      HEALTH_TOKEN: 'x7q-tiny', // a guessable token is a configuration error, not a weaker lock
      TRUST_PROXY: 'true', // trusting every proxy lets any client pick its address
    })
    const { code, stderr } = await exited
    expect(code).toBe(3)
    expect(stderr).toContain('SERVICE_ERR_INVALID_CONFIG')
    for (const variable of ['BACKEND_URL', 'STATUS_TIMEOUT_MS', 'HEALTH_TOKEN', 'TRUST_PROXY'])
      expect(stderr).toContain(variable)
    expect(stderr).not.toContain('x7q-tiny')
  })

  it('builds the missing app, starts with backend and auth down, is ready, and exits 0 on SIGTERM', async () => {
    const port = await getFreePort()
    const nowhere = `http://127.0.0.1:${await getFreePort()}`
    const publicDir = mkdtempSync(join(tmpdir(), 'tarmac-main-public-'))
    const { child, exited } = runMain({
      PORT: String(port),
      BACKEND_URL: nowhere,
      AUTH_URL: nowhere,
      PUBLIC_DIR: publicDir,
    })
    const startedMs = Date.now()
    let startup:
      { status: number; body: { report?: { phases: { name: string; state: string }[] } } } | undefined
    while (Date.now() - startedMs < 90_000) {
      const response = await fetch(`http://127.0.0.1:${port}/health/startup`).catch(() => undefined)
      if (response?.status === 200) {
        startup = { status: 200, body: (await response.json()) as NonNullable<typeof startup>['body'] }
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(startup?.body.report?.phases.map((p) => [p.name, p.state])).toEqual([
      ['init', 'completed'],
      ['http', 'completed'],
    ])
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200)
    const page = await fetch(`http://127.0.0.1:${port}/chat`)
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js">/)
    child.kill('SIGTERM')
    expect((await exited).code).toBe(0)
    rmSync(publicDir, { recursive: true, force: true })
  }, 120_000)
})
