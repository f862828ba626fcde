import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checksumOf, loadMigrations, prepareMigrations } from './migration-source.js'

describe('prepareMigrations', () => {
  it('sorts by number and checksums the SQL', () => {
    const list = prepareMigrations([
      { name: '0002_b.sql', sql: 'select 2' },
      { name: '0001_a.sql', sql: 'select 1' },
    ])
    expect(list.map((m) => m.name)).toEqual(['0001_a.sql', '0002_b.sql'])
    expect(list[0]?.checksum).toBe(checksumOf('select 1'))
    expect(checksumOf('select 1')).not.toBe(checksumOf('select 1 '))
  })

  it('rejects bad names and duplicate numbers in one error', () => {
    let caught: unknown
    try {
      prepareMigrations([
        { name: 'create.sql', sql: '' },
        { name: '0001_a.sql', sql: '' },
        { name: '0001_b.sql', sql: '' },
      ])
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'PG_ERR_INVALID_OPTIONS' })
    expect((caught as Error).message).toContain('create.sql')
    expect((caught as Error).message).toContain('0001')
  })
})

describe('loadMigrations', () => {
  it('reads only .sql files, in order', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tarmac-migrations-'))
    try {
      await writeFile(join(directory, '0002_second.sql'), 'select 2')
      await writeFile(join(directory, '0001_first.sql'), 'select 1')
      await writeFile(join(directory, 'README.md'), '# notes')
      const list = await loadMigrations(directory)
      expect(list.map((m) => m.name)).toEqual(['0001_first.sql', '0002_second.sql'])
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })

  it('fails with PG_ERR_INVALID_OPTIONS on a missing directory', async () => {
    await expect(loadMigrations('/nonexistent/tarmac')).rejects.toMatchObject({
      code: 'PG_ERR_INVALID_OPTIONS',
    })
  })
})
