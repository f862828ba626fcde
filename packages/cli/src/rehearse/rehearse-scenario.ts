import { configSchema } from '../config/config-schema.js'
import { gather } from '../diagnose/gather.js'
import { diagnosisOf } from '../diagnose/model.js'
import type { Verdict } from '../diagnose/verdict.js'
import { settle, type RehearsalProcess, type RehearsalStack } from './rehearsal-stack.js'
import type { Scenario } from './scenarios.js'

/** One scenario's result. */
export interface RehearsalResult {
  readonly scenario: string
  readonly expected: { domain: string; layer: string }
  readonly verdict: { domain: string; layer: string; confidence: string }
  readonly named: boolean
  /** How the backend ended up, against what the scenario expected. */
  readonly backend: string
  /**
   * Whether the injection took effect: every backend ended as the scenario expects (ready, or exited). A verdict
   * on a fault that was not there proves nothing, so a scenario passes only when this and `named` hold.
   */
  readonly injected: boolean
  readonly durationMs: number
}

/** How a scenario's backends ended up: `ready`, or `2 ready, 1 exited` when they differ. */
function outcomesOf(outcomes: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1)
  return counts.size === 1
    ? outcomes[0]!
    : [...counts].map(([outcome, count]) => `${count} ${outcome}`).join(', ')
}

/**
 * Runs one scenario on a started stack: inject, start `backends` backends at once (a fleet cold-starting
 * through the same fault), let them settle, diagnose, clean up.
 */
export async function rehearseScenario(
  stack: RehearsalStack,
  scenario: Scenario,
  backends = 1,
): Promise<{ result: RehearsalResult; verdict: Verdict; at: string }> {
  const startedMs = Date.now()
  const injection = await scenario.prepare(stack)
  const env = {
    DATABASE_URL: injection.backendDatabaseUrl,
    AUTH_URL: stack.auth.url,
    STARTUP_REPORT_URL: `${stack.frontend.url}/startup-reports`,
    STARTUP_DEADLINE_MS: '8000',
    DB_CONNECT_TIMEOUT_MS: '5000',
    DB_FLEET_SIZE: String(backends),
    ...injection.backendEnv,
  }
  const fleet: RehearsalProcess[] = []
  try {
    for (let index = 0; index < backends; index += 1) fleet.push(await stack.launchBackend(env, index))
    const outcomes = await Promise.all(fleet.map((backend) => settle(backend, 90_000)))
    for (const [index, backend] of fleet.entries())
      if (outcomes[index] === 'ready') await injection.afterStart?.(backend.url)
    const services: Record<string, { url: string }> = {
      auth: { url: stack.auth.url },
      frontend: { url: stack.frontend.url },
    }
    for (const [index, backend] of fleet.entries())
      services[index === 0 ? 'backend' : `backend-${index + 1}`] = { url: backend.url }
    const config = configSchema.parse({
      services,
      dependencies: { postgres: { type: 'postgres', url: injection.databaseUrl } },
      collector: 'frontend',
    })
    const input = await gather(config, {
      env: {},
      connects: 5,
      timeoutMs: 10_000,
      // Only this scenario's cold starts: the collector has the earlier ones too.
      windowMs: Date.now() - startedMs,
      dependencyProbes: 3,
    })
    const verdict = diagnosisOf(input)
    const named = verdict.domain === scenario.expected.domain && verdict.layer === scenario.expected.layer
    const outcome = outcomesOf(outcomes)
    const expected = outcomesOf(outcomes.map(() => injection.backendOutcome))
    const injected = outcomes.every((o) => o === injection.backendOutcome)
    return {
      at: input.at,
      verdict,
      result: {
        scenario: scenario.name,
        expected: scenario.expected,
        verdict: { domain: verdict.domain, layer: verdict.layer, confidence: verdict.confidence },
        named,
        backend: injected ? outcome : `${outcome} (expected ${expected})`,
        injected,
        durationMs: Date.now() - startedMs,
      },
    }
  } finally {
    await Promise.all(fleet.map((backend) => backend.stop()))
    await injection.cleanup?.()
  }
}
