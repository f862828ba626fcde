import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '@tarmac/service'
import { LocalHitCounter } from './local-hit-counter.js'
import { createRateLimitCounter } from './rate-limit-counter.js'

const capture = () => {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  return { lines, logger: createLogger({ name: 'auth', level: 'info', destination }) }
}

describe('createRateLimitCounter', () => {
  it('without REDIS_URL counts in this instance, and says so at startup', async () => {
    const { lines, logger } = capture()
    const counter = await createRateLimitCounter({ redisUrl: undefined, logger, register: undefined })
    expect(counter.scope).toBe('local')
    expect(counter.counter).toBeInstanceOf(LocalHitCounter)
    expect(lines.join('')).toContain(
      'rate limits: per instance (no REDIS_URL): N auth instances allow N × each limit',
    )
  })
})
