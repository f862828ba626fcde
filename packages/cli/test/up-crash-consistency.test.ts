import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pg from 'pg'
import { startEmbeddedPostgres } from '@tarmac/postgres'
import { getFreePort, seededRandom } from '@tarmac/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { descendantsOf, startCli, stopCli, waitUntilGone, type CliRun } from './cli-process.js'
import { migrateServices, SERVICE_MIGRATIONS } from './fixtures/migrate-embedded.js'

// Issue 13: a `tarmac up` killed during its first start once left the embedded data directory with auth's
// tables created but their migration unrecorded, and every later start failed with `relation "auth_users"
// already exists`. Here the process hosting the embedded Postgres (what `tarmac up` is) is SIGKILLed at random
// points of a first start's migrations, and so is a migrating client (what a service is) while the database
// lives on; every next start must migrate and find the whole schema.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const FIXTURE = fileURLToPath(new URL('fixtures/migrate-embedded.ts', import.meta.url))
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const KILLS = 20
const EXPECTED_TABLES = [
  'auth_users',
  'auth_refresh_tokens',
  'auth_signing_keys',
  'chat_threads',
  'chat_messages',
]

let dir: string
/** An initialised data directory that was never migrated: each round starts from a copy (a first start). */
let template: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tarmac-crash-'))
  template = join(dir, 'template')
  const db = await startEmbeddedPostgres({ dataDir: template })
  await db.close()
}, 120_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/**
 * Runs the fixture; resolves with what it printed and how long its migrations took, or kills it `afterMs` in.
 * `killedMidway`: the SIGKILL ended it after `migrating` and before `migrated` (not an exit of its own).
 */
function migrateInChild(
  args: string[],
  killAfterMs?: number,
): Promise<{ migrated: boolean; killedMidway: boolean; migrationMs: number | null; output: string }> {
  const child = spawn(process.execPath, ['--conditions=@tarmac/source', '--import', TSX, FIXTURE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let startedMs: number | undefined
  let migrationMs: number | null = null
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    if (startedMs === undefined && output.includes('migrating')) {
      startedMs = performance.now()
      if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    }
    if (startedMs !== undefined && migrationMs === null && output.includes('migrated'))
      migrationMs = performance.now() - startedMs
  })
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve) =>
    child.once('close', (_code, signal) => {
      const migrated = output.includes('migrated')
      const killedMidway = signal === 'SIGKILL' && startedMs !== undefined && !migrated
      resolve({ migrated, killedMidway, migrationMs, output })
    }),
  )
}

/** A service's migration files, in the order they apply: each must be recorded exactly once. */
const migrationFiles = (service: string): string[] =>
  readdirSync(join(ROOT, 'services', service, 'migrations'))
    .filter((name) => name.endsWith('.sql'))
    .sort()

/** The next start: migrations succeed, every table exists, each migration is recorded exactly once. */
async function expectConsistent(url: string): Promise<void> {
  await migrateServices(url)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public'",
    )
    const tables = rows.map((r) => r.table_name)
    expect(tables).toEqual(
      expect.arrayContaining([...EXPECTED_TABLES, ...SERVICE_MIGRATIONS.map((m) => m.table)]),
    )
    for (const { service, table } of SERVICE_MIGRATIONS) {
      const recorded = await client.query<{ name: string }>(`select name from ${table} order by name`)
      expect(recorded.rows.map((r) => r.name)).toEqual(migrationFiles(service))
    }
    // The schema works, not just exists: a row through the foreign keys of each service.
    await client.query('begin')
    await client.query(
      "insert into auth_users (id, email, display_name, password_hash) values (gen_random_uuid(), 'a@b.c', 'a', 'x')",
    )
    await client.query("insert into chat_threads (id, user_id, title) values (gen_random_uuid(), 'u', 't')")
    await client.query('rollback')
  } finally {
    await client.end()
  }
}

describe('embedded Postgres: a kill during the first migrations leaves a database the next start can use', () => {
  it(`SIGKILL of the process hosting it, at ${KILLS} random points of the migrations`, async () => {
    const random = seededRandom(13)
    // How long the migrations take here, so the kills land inside them.
    const calibration = join(dir, 'calibration')
    cpSync(template, calibration, { recursive: true })
    const full = await migrateInChild([calibration])
    expect(full.migrated, full.output).toBe(true)
    const windowMs = Math.max(50, full.migrationMs ?? 0)
    let killedMidway = 0
    for (let round = 1; round <= KILLS; round++) {
      const dataDir = join(dir, `round-${round}`)
      cpSync(template, dataDir, { recursive: true })
      const killed = await migrateInChild([dataDir], Math.floor(random() * windowMs))
      if (killed.killedMidway) killedMidway++
      const db = await startEmbeddedPostgres({ dataDir })
      try {
        await expectConsistent(db.url)
      } finally {
        await db.close()
      }
      rmSync(dataDir, { recursive: true, force: true })
    }
    // Most kills really landed during the migrations (the rest just after them).
    expect(killedMidway).toBeGreaterThanOrEqual(KILLS / 2)
  }, 400_000)

  it('SIGKILL of a migrating client while the database lives on, at random points', async () => {
    const random = seededRandom(15)
    const calibration = join(dir, 'client-calibration')
    cpSync(template, calibration, { recursive: true })
    let db = await startEmbeddedPostgres({ dataDir: calibration })
    const full = await migrateInChild(['-', '--client-only', db.url])
    await db.close()
    expect(full.migrated, full.output).toBe(true)
    const windowMs = Math.max(50, full.migrationMs ?? 0)
    const rounds = KILLS / 2
    let killedMidway = 0
    for (let round = 1; round <= rounds; round++) {
      const dataDir = join(dir, `client-round-${round}`)
      cpSync(template, dataDir, { recursive: true })
      db = await startEmbeddedPostgres({ dataDir })
      try {
        const killed = await migrateInChild(['-', '--client-only', db.url], Math.floor(random() * windowMs))
        if (killed.killedMidway) killedMidway++
        await expectConsistent(db.url)
      } finally {
        await db.close()
      }
      rmSync(dataDir, { recursive: true, force: true })
    }
    // Most kills really landed during the migrations (the rest just after them): else this proves nothing.
    expect(killedMidway, `${killedMidway} of ${rounds} kills landed mid-migration`).toBeGreaterThanOrEqual(
      rounds / 2,
    )
  }, 400_000)

  describe('SIGKILL of `tarmac up` itself during its first start (the real binary)', () => {
    let up: CliRun | undefined
    afterAll(() => stopCli(up))

    it('leaves no service running, and the next `tarmac up` on the same data starts', async () => {
      const dataDir = join(dir, 'up-data')
      cpSync(template, dataDir, { recursive: true })
      const ports = async () => [
        '--ports',
        `auth=${await getFreePort()},backend=${await getFreePort()},frontend=${await getFreePort()}`,
      ]
      const args = ['up', '--only', 'auth,backend', '--data-dir', dataDir]
      up = startCli([...args, ...(await ports())])
      // Killed while auth runs its startup (its migrations are in the database phase).
      await up.waitFor(/auth\s+│ .*phase (init|database)/, 120_000)
      // Everything `up` started: the services (and what they started), with start times (pids wrap here).
      const started = descendantsOf(up.child.pid!)
      expect(started.filter((p) => p.cmdline.includes('services/')).length).toBeGreaterThan(0)
      up.child.kill('SIGKILL')
      await up.closed
      // The parent watch stops every service once tarmac is gone: a generous deadline, well past its bound.
      const { left } = await waitUntilGone(started, 60_000)
      for (const orphan of left) process.kill(orphan.pid, 'SIGKILL') // cleaned up, then reported
      expect(left.map((p) => p.cmdline)).toEqual([])

      up = startCli([...args, ...(await ports())])
      await up.waitFor(/Ctrl-C to stop/, 240_000)
      up.child.kill('SIGINT')
      expect((await up.closed).code).toBe(0)
      expect(up.output()).not.toMatch(/already exists/)
    }, 400_000)
  })
})
