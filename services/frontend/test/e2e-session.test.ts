import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestDatabase } from '@tarmac/testing'
import { createTestDatabase, getFreePort } from '@tarmac/testing'
import { createLogger } from '@tarmac/service'
import type { Startup } from '@tarmac/startup'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFrontendStartup, type FrontendStartup } from '../src/frontend-startup.js'
import { loadFrontendConfig } from '../src/options.js'
import { buildApp, CHROMIUM_ARGS, CHROMIUM_PATH, ServiceProcess } from './e2e-support.js'

// One login in two tabs of one browser, against the real auth and backend (child processes on throwaway
// databases) behind the real frontend server: rotating the tokens in one tab must not end the other's session,
// and logging out must end it on the server too.
const ACCESS_TOKEN_TTL_S = 5

describe('end to end: one session across tabs', () => {
  const publicDir = mkdtempSync(join(tmpdir(), 'tarmac-e2e-session-public-'))
  const databases: TestDatabase[] = []
  let auth: ServiceProcess
  let backend: ServiceProcess
  let frontend: Startup
  let frontendServer: FrontendStartup['server']
  let browser: Browser
  let context: BrowserContext
  let base: string
  const problems: string[] = []

  beforeAll(async () => {
    await buildApp(publicDir)
    const [authDb, backendDb] = await Promise.all([
      createTestDatabase('frontend_e2e_session_auth'),
      createTestDatabase('frontend_e2e_session_backend'),
    ])
    databases.push(authDb, backendDb)
    auth = new ServiceProcess('auth', await getFreePort(), {
      DATABASE_URL: authDb.url,
      ACCESS_TOKEN_TTL_S: String(ACCESS_TOKEN_TTL_S),
      // No grace for a reused refresh token: only the tabs sharing their session can keep both signed in.
      REFRESH_REUSE_GRACE_MS: '0',
    })
    await auth.start()
    backend = new ServiceProcess('backend', await getFreePort(), {
      DATABASE_URL: backendDb.url,
      AUTH_URL: auth.url,
      LLM_PROVIDER: 'local',
    })
    await backend.start()
    const built = createFrontendStartup({
      logger: createLogger({ name: 'frontend', level: 'silent' }),
      config: loadFrontendConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        BACKEND_URL: backend.url,
        AUTH_URL: auth.url,
        PUBLIC_DIR: publicDir,
        NODE_ENV: 'test',
      }),
    })
    frontend = built.startup
    frontendServer = built.server
    await frontend.run()
    base = `http://127.0.0.1:${frontendServer.get().port}`
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
    context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
    context.on('weberror', (error) => problems.push(error.error().message))
  }, 240_000)

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await frontend?.shutdown('test over')
    await backend?.stop()
    await auth?.stop()
    for (const database of databases) await database.drop()
    rmSync(publicDir, { recursive: true, force: true })
  }, 60_000)

  /** What the tabs share: the session in localStorage. */
  const storedSession = async (page: Page) =>
    JSON.parse(await page.evaluate<string>('localStorage.getItem("tarmac.session") ?? "null"')) as {
      refreshToken: string
    } | null
  const newThread = async (page: Page) => {
    const before = page.url()
    await page.getByRole('button', { name: 'New thread' }).click()
    await page.waitForURL((url) => /\/chat\/[^/]+$/.test(url.pathname) && url.href !== before, {
      timeout: 20_000,
    })
  }
  /** Signs up in one tab and opens chat in a second: two tabs of one login. */
  const twoTabs = async (name: string) => {
    const first = await context.newPage()
    await first.goto(`${base}/signup`)
    await first.getByLabel('Display name').fill(name)
    await first.getByLabel('Email').fill(`${name.toLowerCase()}.${Date.now()}@example.com`)
    await first.getByLabel('Password').fill('correct horse battery staple')
    await first.getByRole('button', { name: 'Sign up' }).click()
    await first.waitForURL(`${base}/chat`)
    const second = await context.newPage()
    await second.goto(`${base}/chat`)
    await second.getByRole('button', { name: 'New thread' }).waitFor()
    return [first, second] as const
  }

  it('keeps both tabs signed in when each needs fresh tokens after the other rotated them', async () => {
    const [first, second] = await twoTabs('Rotating')
    const signedUp = await storedSession(first)

    // Both tabs hold an access token that has now expired: each must refresh before its next call. Twice,
    // so that each tab is once the one that rotates and once the one that comes after.
    const seen = new Set([signedUp?.refreshToken])
    for (const [rotating, following] of [
      [first, second],
      [second, first],
    ] as const) {
      await rotating.waitForTimeout((ACCESS_TOKEN_TTL_S + 1) * 1000)
      await newThread(rotating) // 401 → this tab rotates the refresh token
      const rotated = (await storedSession(rotating))?.refreshToken
      expect(seen.has(rotated)).toBe(false)
      seen.add(rotated)
      // The other tab must not present the spent token: that would revoke the login, signing both out.
      await newThread(following)
      for (const page of [first, second]) expect(new URL(page.url()).pathname).toMatch(/^\/chat\/[^/]+$/)
    }
    await Promise.all([first.close(), second.close()])
  }, 120_000)

  it('logs out on the server, and in every tab', async () => {
    const [first, second] = await twoTabs('Leaving')
    const before = await storedSession(first)
    expect(before).not.toBeNull()
    await first.getByRole('button', { name: /^Log out/ }).click()
    await first.waitForURL(`${base}/login`)
    await second.waitForURL(`${base}/login`, { timeout: 10_000 })
    expect(await storedSession(second)).toBeNull()
    // The refresh token the tabs held is revoked: a copy of it is worthless.
    const replay = await fetch(`${base}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: before!.refreshToken }),
    })
    expect(replay.status).toBe(401)
    expect(await replay.json()).toMatchObject({ code: 'INVALID_TOKEN' })
    expect(problems).toEqual([])
  }, 60_000)
})
