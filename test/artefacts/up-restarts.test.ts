import { CLI_DEFAULTS } from '@tarmac/cli'
import { createTestDatabase, type TestDatabase } from '@tarmac/testing'
import { afterAll, describe, it, type ExpectStatic } from 'vitest'
import { readyStatus, SERVICES, startedBeforeAll, type ServiceName } from './support/built-service.js'
import { startUp, type UpStack } from './support/up-stack.js'

// `npm start` supervises its services: SIGKILL one (the OOM killer, a `kill -9`) and `tarmac up` starts it again
// after a backoff, while the others stay up. From the build, on the embedded database (what `npm start` uses)
// and on a real Postgres (DATABASE_URL). The two stacks run side by side; within one, the kills go one at a
// time, and each test leaves its stack as it found it: every service ready.
const DATABASES = ['embedded', 'postgres'] as const

const SLACK_MS = 30_000

/** Which of `names` answer /health/ready 200. */
async function readiness(up: UpStack, names: readonly ServiceName[]): Promise<ServiceName[]> {
  const statuses = await Promise.all(names.map((name) => readyStatus(up.urls[name]!)))
  return names.filter((_, i) => statuses[i] === 200)
}

/**
 * SIGKILLs one service of the stack and waits until `up` has started it again and it is ready: within the
 * backoff `up` announces plus the time `up` gives a service to start. A restart that fails instead fails the test
 * at once, with the service's last lines.
 */
async function killAndAwaitRestart(
  up: UpStack,
  name: ServiceName,
  expect: ExpectStatic,
): Promise<{ before: number; after: number }> {
  const url = up.urls[name]!
  expect(await readyStatus(url), `${name} is ready before the kill`).toBe(200)
  const victim = up.children().find((child) => child.name === name)
  if (!victim) throw new Error(`no ${name} process under tarmac up: ${JSON.stringify(up.children())}`)
  const since = up.mark()
  process.kill(victim.pid, 'SIGKILL')
  await up.waitFor(new RegExp(`${name} was killed by SIGKILL \\(pid ${victim.pid}\\)`), since, 30_000)
  const backoff = await up.waitFor(
    new RegExp(`${name}(?:: | crashed \\d+ times .*; )next restart in ([\\d.]+) s`),
    since,
    30_000,
  )
  const backoffMs = Number(backoff[1]) * 1000
  const outcome = await up.waitFor(
    new RegExp(`${name} restarted \\(pid (\\d+), restart \\d+\\)|${name} did not start again: (.*)`),
    since,
    backoffMs + CLI_DEFAULTS.up.startupTimeoutMs + SLACK_MS,
  )
  if (outcome[2] !== undefined)
    throw new Error(
      `${name} did not come back after SIGKILL: ${outcome[2]}\nits warnings and errors since the kill, as tarmac up printed them:\n${up.linesOf(name, { since, problems: true })}`,
    )
  expect(await readyStatus(url)).toBe(200)
  return { before: victim.pid, after: Number(outcome[1]) }
}

// Concurrent suites run side by side; `it.sequential` keeps the kills of one stack one at a time.
describe.concurrent.each(DATABASES)('tarmac up from the build on the %s database', (database) => {
  let db: TestDatabase | undefined
  let started: UpStack | undefined
  const stack = startedBeforeAll(async () => {
    if (database === 'postgres') db = await createTestDatabase('artefacts_up_restarts')
    return (started = await startUp({ from: 'build', ...(db && { databaseUrl: db.url }) }))
  })

  afterAll(async () => {
    await started?.stop()
    await db?.drop()
  }, 60_000)

  for (const name of SERVICES)
    it.sequential(
      `${name}: SIGKILL → restarted after its backoff, ready again`,
      async ({ expect }) => {
        const up = await stack()
        // The others stay up meanwhile: those that were ready before the kill still are after it.
        const others = SERVICES.filter((service) => service !== name)
        const readyBefore = await readiness(up, others)
        const { before, after } = await killAndAwaitRestart(up, name, expect)
        expect(after).not.toBe(before)
        expect(up.children().map((child) => child.pid)).toContain(after)
        expect(await readiness(up, readyBefore)).toEqual(readyBefore)
      },
      300_000 + CLI_DEFAULTS.up.startupTimeoutMs + 2 * SLACK_MS,
    )
})
