import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { captureIo } from './capture-io.js'

// What `tarmac up --backends` refuses before it starts anything. The whole run (Redis started, two backends,
// two browser tabs) is services/frontend/test/e2e-backends.test.ts.
const root = fileURLToPath(new URL('../../..', import.meta.url))

describe('tarmac up --backends', () => {
  it('exits 2 with CLI_ERR_REDIS_UNAVAILABLE when several backends would have no Redis', async () => {
    const io = captureIo(root, { PATH: '/nowhere' })
    expect(await main(['up', '--backends', '2', '--only', 'backend'], io)).toBe(2)
    expect(io.err()).toMatch(/CLI_ERR_REDIS_UNAVAILABLE: --backends 2 needs Redis/)
    expect(io.err()).toMatch(/REDIS_URL \(or --redis-url\), or install redis-server/)
  })

  it('takes 1 to 9 backends, and teaches the option in --help', async () => {
    for (const n of ['0', '10', 'two']) {
      const io = captureIo(root, { PATH: '/nowhere' })
      expect(await main(['up', '--backends', n], io)).toBe(2)
      expect(io.err()).toMatch(/CLI_ERR_USAGE: --backends/)
    }
    const help = captureIo(root)
    expect(await main(['up', '--help'], help)).toBe(0)
    expect(help.out()).toMatch(/--backends N[\s\S]*BACKEND_URLS[\s\S]*tarmac up --backends 3/)
  })
})
