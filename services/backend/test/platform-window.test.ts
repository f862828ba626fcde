import { Writable } from 'node:stream'
import { createLogger, loadConfig } from '@tarmac/service'
import { describe, expect, it } from 'vitest'
import { configSchema, createBackend } from '../src/index.js'

/** Creates (does not run) a backend with this environment; returns the log lines it wrote. */
async function logsOf(env: Record<string, string>): Promise<string[]> {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const config = loadConfig(configSchema, {
    PORT: '0',
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    LOG_LEVEL: 'warn',
    ...env,
  })
  const backend = createBackend(config, {
    logger: createLogger({ name: 'backend', level: 'warn', destination }),
  })
  await backend.shutdown('not started')
  return lines
}

describe('PLATFORM_STARTUP_WINDOW_MS (set by tarmac deploy render)', () => {
  it('warns at creation when the platform would kill the instance before its deadline', async () => {
    const lines = await logsOf({ PLATFORM_STARTUP_WINDOW_MS: '60000', STARTUP_DEADLINE_MS: '120000' })
    const warning = lines
      .map((line) => JSON.parse(line) as { event?: string; msg: string })
      .find((l) => l.event === 'platform.startupWindow')
    expect(warning?.msg).toMatch(
      /platform startup window 60000 ms is shorter than the startup deadline 120000 ms/,
    )
  })

  it('stays quiet when the window holds the deadline, or is not set', async () => {
    for (const env of [{ PLATFORM_STARTUP_WINDOW_MS: '240000' }, {}] as Record<string, string>[])
      expect((await logsOf(env)).filter((line) => line.includes('platform.startupWindow'))).toEqual([])
  })
})
