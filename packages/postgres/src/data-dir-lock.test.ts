import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { lockDataDir } from './data-dir-lock.js'

describe('lockDataDir', () => {
  let folder: string
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'tarmac-lock-'))
  })
  afterEach(() => rm(folder, { recursive: true, force: true }))

  it('writes our pid next to the data dir, refuses a second taker, releases once', () => {
    const dataDir = join(folder, 'pgdata')
    const lock = lockDataDir(dataDir)
    expect(readFileSync(`${dataDir}.lock`, 'utf8').trim()).toBe(String(process.pid))
    expect(() => lockDataDir(dataDir)).toThrow(expect.objectContaining({ code: 'PG_ERR_EMBEDDED_FAILED' }))
    lock.release()
    lock.release()
    expect(existsSync(`${dataDir}.lock`)).toBe(false)
  })

  it('takes over a lock whose pid is gone', () => {
    const dataDir = join(folder, 'pgdata')
    writeFileSync(`${dataDir}.lock`, '999999999\n')
    const lock = lockDataDir(dataDir)
    expect(readFileSync(`${dataDir}.lock`, 'utf8').trim()).toBe(String(process.pid))
    lock.release()
  })
})
