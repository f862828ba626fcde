import type { Browser, BrowserContext, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS, CHROMIUM_PATH, startE2eStack, type E2eStack } from './e2e-support.js'

// One login in two tabs of one browser, against the real auth and backend (child processes on throwaway
// databases) behind the real frontend server: rotating the tokens in one tab must not end the other's session,
// and logging out must end it on the server too.
const ACCESS_TOKEN_TTL_S = 5

describe('end to end: one session across tabs', () => {
  let stack: E2eStack
  let browser: Browser
  let context: BrowserContext
  let base: string
  const problems: string[] = []

  beforeAll(async () => {
    stack = await startE2eStack({
      name: 'frontend_e2e_session',
      authEnv: {
        ACCESS_TOKEN_TTL_S: String(ACCESS_TOKEN_TTL_S),
        // No grace for a reused refresh token: only the tabs sharing their session can keep both signed in.
        REFRESH_REUSE_GRACE_MS: '0',
      },
    })
    base = stack.base
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
    context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
    context.on('weberror', (error) => problems.push(error.error().message))
  }, 240_000)

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await stack?.stop()
  }, 60_000)

  /** What the tabs share: the refresh cookie (HttpOnly: read here through the browser, never by the page). */
  const refreshCookie = async () =>
    (await context.cookies(`${base}/auth/refresh`)).find((cookie) => cookie.name === 'tarmac_refresh')
  /** What the page's scripts can see of the session: storage and document.cookie. */
  const visibleToScripts = async (page: Page) =>
    page.evaluate<string>(
      'JSON.stringify({ stored: localStorage.getItem("tarmac.session"), cookie: document.cookie })',
    )
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

  it('keeps the refresh token out of every script’s reach: an HttpOnly, SameSite=Strict cookie on /auth', async () => {
    const [first, second] = await twoTabs('Hidden')
    const cookie = await refreshCookie()
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth' })
    expect(cookie!.value).toMatch(/^tarmac_rt_/)
    for (const page of [first, second]) {
      const seen = await visibleToScripts(page)
      expect(seen).not.toContain('tarmac_rt_')
      expect(seen).not.toContain('accessToken') // the access token is in memory only
    }
    // A reload forgets the access token and trades the cookie for a new one: still signed in.
    await first.reload()
    await newThread(first)
    expect((await refreshCookie())!.value).not.toBe(cookie!.value)
    await Promise.all([first.close(), second.close()])
  }, 120_000)

  it('keeps both tabs signed in when each needs fresh tokens after the other rotated them', async () => {
    const [first, second] = await twoTabs('Rotating')
    // Both tabs hold an access token that has now expired: each must refresh before its next call. Twice,
    // so that each tab is once the one that rotates and once the one that comes after.
    const seen = new Set([(await refreshCookie())?.value])
    for (const [rotating, following] of [
      [first, second],
      [second, first],
    ] as const) {
      await rotating.waitForTimeout((ACCESS_TOKEN_TTL_S + 1) * 1000)
      await newThread(rotating) // 401 → this tab rotates the refresh token
      const rotated = (await refreshCookie())?.value
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
    const before = await refreshCookie()
    expect(before).toBeDefined()
    await first.getByRole('button', { name: /^Log out/ }).click()
    await first.waitForURL(`${base}/login`)
    await second.waitForURL(`${base}/login`, { timeout: 10_000 })
    expect(JSON.parse(await visibleToScripts(second))).toMatchObject({ stored: null })
    expect(await refreshCookie()).toBeUndefined() // cleared
    // The refresh token the tabs held is revoked: a copy of it is worthless.
    const replay = await fetch(`${base}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: before!.value }),
    })
    expect(replay.status).toBe(401)
    expect(await replay.json()).toMatchObject({ code: 'INVALID_TOKEN' })
    expect(problems).toEqual([])
  }, 60_000)
})
