import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getFreePort } from '@tarmac/testing'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  startE2eStack,
  type E2eStack,
  type ServiceProcess,
} from './e2e-support.js'

// The whole platform for real: auth and backend as child processes on their own test databases, the frontend
// server in-process serving a production build, and Debian's Chromium driven by playwright-core.
const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url))
const figures: Record<string, unknown> = {}
const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true })

describe('end to end: chat and status through the browser', () => {
  let stack: E2eStack
  let backend: ServiceProcess
  let browser: Browser
  let base: string

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH))
      throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium`)
    mkdirSync(RESULTS, { recursive: true })
    stack = await startE2eStack({ name: 'frontend_e2e' })
    figures.bundle = stack.bundle
    backend = stack.backend
    base = stack.base
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
  }, 240_000)

  /**
   * A browser context of the test's own (its own cookies and storage: no test signs in for another), with the
   * CSP violations and uncaught errors of its pages collected in `problems`.
   */
  async function newContext(): Promise<{ context: BrowserContext; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
    const problems: string[] = []
    context.on('console', (message) => {
      if (/content security policy|refused to/i.test(message.text())) problems.push(message.text())
    })
    context.on('weberror', (error) => problems.push(error.error().message))
    onTestFinished(() => context.close())
    return { context, problems }
  }

  /** Signs a new user up, opens a thread and waits for the assistant's reply to its first message; on that page. */
  async function signUpAndChat(page: Page): Promise<void> {
    await page.goto(`${base}/signup`, { waitUntil: 'load' })
    await page.getByRole('button', { name: 'Sign up' }).waitFor()
    await page.getByLabel('Display name').fill('Ada')
    await page
      .getByLabel('Email')
      .fill(`ada.${Date.now()}.${Math.random().toString(36).slice(2)}@example.com`)
    await page.getByLabel('Password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Sign up' }).click()
    await page.waitForURL(`${base}/chat`)
    await page.getByRole('button', { name: 'New thread' }).click()
    await page.waitForURL(/\/chat\/[^/]+$/)
    await page.getByLabel('Message').fill('What is the status of the platform?')
    await page.getByLabel('Message').press('Enter')
    await page.locator('li.message.assistant[data-status="complete"]').first().waitFor({ timeout: 30_000 })
  }

  afterAll(async () => {
    await browser?.close()
    await stack?.stop()
    if (Object.keys(figures).length > 0) {
      writeFileSync(join(RESULTS, 'e2e-figures.json'), `${JSON.stringify(figures, null, 2)}\n`)
      console.log('frontend e2e figures', JSON.stringify(figures))
    }
  }, 60_000)

  it('signs up, opens a thread, streams a reply, and finds it again after a reload', async () => {
    const { context, problems } = await newContext()
    const page = await context.newPage()
    const deltaFrames: string[] = []
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload === 'string' && payload.includes('"run.delta"')) deltaFrames.push(payload)
      }),
    )
    const startedMs = Date.now()
    await page.goto(`${base}/signup`, { waitUntil: 'load' })
    await page.getByRole('button', { name: 'Sign up' }).waitFor()
    figures.firstLoad = {
      untilSignUpFormMs: Date.now() - startedMs,
      navigation: JSON.parse(
        await page.evaluate<string>(
          'JSON.stringify((({ responseEnd, domContentLoadedEventEnd, loadEventEnd }) => ({ responseEnd, domContentLoadedEventEnd, loadEventEnd }))(performance.getEntriesByType("navigation")[0]))',
        ),
      ) as unknown,
    }

    await signUpAndChat(page)
    const reply = page.locator('li.message.assistant[data-status="complete"]')
    expect((await reply.first().innerText()).length).toBeGreaterThan(20)
    expect(deltaFrames.length).toBeGreaterThanOrEqual(2) // streamed, not one block
    await expect.poll(() => page.locator('li.message.user').count()).toBe(1)
    await screenshot(page, 'chat')

    await page.reload({ waitUntil: 'load' })
    await page.locator('li.message.assistant[data-status="complete"]').first().waitFor({ timeout: 15_000 })
    expect(await page.getByText('What is the status of the platform?').count()).toBe(1)
    expect(problems).toEqual([])
  }, 120_000)

  it('shows every service passing on the status page', async () => {
    const { context, problems } = await newContext()
    const page = await context.newPage()
    await page.goto(`${base}/status`)
    for (const name of ['frontend', 'backend', 'auth'])
      await expect
        .poll(() => page.getByTestId(`status-${name}`).textContent(), { timeout: 30_000, interval: 500 })
        .toBe('up')
    for (const name of ['frontend', 'backend', 'auth'])
      expect(await page.locator(`[data-service=${name}] .timeline li`).count()).toBeGreaterThan(1)
    // The last 24 hours per service, and since when it is up: from its own startup report, not this page.
    expect(await page.getByTestId('history-backend').textContent()).toContain('up (started)')
    expect(await page.getByTestId('since-backend').textContent()).toMatch(/^since /)
    await screenshot(page, 'status')
    // A link to one service: /status#auth opens the page at its card.
    await page.goto(`${base}/status#auth`)
    await page.getByTestId('status-auth').waitFor()
    await expect
      .poll(() => page.evaluate<number>('document.getElementById("auth").getBoundingClientRect().top'))
      .toBeLessThan(100)
    await page.setViewportSize({ width: 390, height: 844 }) // a phone: one column, nothing cut off
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await screenshot(page, 'status-phone')
    expect(problems).toEqual([])
  }, 60_000)

  it('says the backend is down — cause unknown, what was seen, its failed cold start — while the frontend stays ready; chat recovers without reload', async () => {
    const { context, problems } = await newContext()
    const chat = await context.newPage()
    await signUpAndChat(chat) // a thread of its own with one reply, open in the chat page
    await chat.getByRole('button', { name: 'Send' }).waitFor()
    const status = await context.newPage()
    await status.goto(`${base}/status`)

    await backend.stop()
    await expect
      .poll(() => status.getByTestId('status-backend').textContent(), { timeout: 30_000, interval: 500 })
      .toBe('down')
    // The first read after the stop may see the kept-alive connection closed (TCP_RESET); then it is refused.
    await expect
      .poll(() => status.getByTestId('fault-backend').textContent(), { timeout: 15_000, interval: 500 })
      .toContain('TCP_REFUSED')
    // A refused connection is what a crashed process and a broken network both look like: no guess.
    expect(await status.getByTestId('fault-backend').textContent()).toContain('Cause unknown')

    // An instance started against a database that refuses: it exits 3, and its evidence outlives it.
    const closedPort = await getFreePort()
    const exitCode = await backend.runToExit({
      PORT: String(await getFreePort()),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/postgres`,
      STARTUP_DEADLINE_MS: '4000',
      STARTUP_REPORT_URL: `${base}/startup-reports`,
    })
    expect(exitCode).toBe(3)
    await expect
      .poll(() => status.getByTestId('cold-starts-backend').textContent(), { timeout: 15_000, interval: 500 })
      .toMatch(/1 failed \(1 in database\)/)
    const fault = await status.getByTestId('fault-backend').textContent()
    expect(fault).toMatch(
      /last recorded cold start: exit 3 at .* in phase database, component postgres: PG_ERR_UNREACHABLE \[infrastructure\/tcp\]/,
    )
    // The change is on the backend's 24-hour timeline, with the failed cold start.
    expect(await status.getByTestId('history-backend').textContent()).toMatch(/down \(unreachable\)/)
    expect(await status.getByTestId('history-backend').textContent()).toMatch(/cold start failed in database/)
    await screenshot(status, 'status-backend-down')
    await chat.getByTestId('chat-unavailable').waitFor({ timeout: 30_000 })
    await screenshot(chat, 'chat-unavailable')
    expect((await fetch(`${base}/health/ready`)).status).toBe(200)

    await backend.start()
    await chat.getByTestId('chat-unavailable').waitFor({ state: 'detached', timeout: 45_000 })
    await chat.getByLabel('Message').fill('And now?')
    await chat.getByLabel('Message').press('Enter')
    await expect
      .poll(() => chat.locator('li.message.assistant[data-status="complete"]').count(), { timeout: 30_000 })
      .toBe(2)
    await screenshot(chat, 'chat-recovered')
    await expect
      .poll(() => status.getByTestId('status-backend').textContent(), { timeout: 30_000, interval: 500 })
      .toBe('up')
    expect(problems).toEqual([]) // no CSP violation, no uncaught error in any page
  }, 180_000)
})
