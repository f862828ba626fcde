import type { TestProject } from 'vitest/node'
import { startTestPostgres } from './test-postgres.js'
import { startTestRedis } from './test-redis.js'

/**
 * Vitest's `globalSetup` for the whole suite: the PostgreSQL and Redis the tests need, provisioned when the
 * environment names none. `TEST_PG_ADMIN_URL` unset: a private cluster (trust auth, free port) for this run;
 * `TEST_REDIS_URL` unset: a `redis-server` on a free port. Their URLs reach every test file through those two
 * variables (set here, before the workers start, and again by `provided-env.ts` in each worker); both are
 * stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = []
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
  }
  try {
    if (!process.env.TEST_PG_ADMIN_URL) {
      const postgres = await startTestPostgres()
      stops.push(() => postgres.stop())
      process.env.TEST_PG_ADMIN_URL = postgres.url
    }
    if (!process.env.TEST_REDIS_URL) {
      const redis = await startTestRedis()
      stops.push(() => redis.stop())
      process.env.TEST_REDIS_URL = redis.url
    }
  } catch (error) {
    await teardown()
    throw error
  }
  project.provide('TEST_PG_ADMIN_URL', process.env.TEST_PG_ADMIN_URL)
  project.provide('TEST_REDIS_URL', process.env.TEST_REDIS_URL)
  return teardown
}

declare module 'vitest' {
  export interface ProvidedContext {
    TEST_PG_ADMIN_URL: string
    TEST_REDIS_URL: string
  }
}
