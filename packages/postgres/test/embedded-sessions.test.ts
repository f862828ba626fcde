import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pg from 'pg'
import { seededRandom } from '@tarmac/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/index.js'

// Issue 21: the embedded server serves every connection from ONE Postgres session, so what a client left there
// outlived it — a backend SIGKILLed and started again failed forever with `42P05 prepared statement
// "chat_get_thread" already exists`. Here real client processes leave state and are SIGKILLed; the next client
// must find the session as a new one would be, and never wait on the dead one.
const CLIENT = fileURLToPath(new URL('fixtures/session-client.ts', import.meta.url))
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

let folder: string
let db: EmbeddedPostgres
const clients: pg.Client[] = []

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tarmac-sessions-'))
  db = await startEmbeddedPostgres({ dataDir: join(folder, 'pgdata') })
  await query('create table notes (id serial primary key, body text not null)')
}, 120_000)
/** Client processes still running: killed after each test, also one that failed before its own kill. */
const processes = new Set<ChildProcess>()
afterEach(async () => {
  for (const child of processes) child.kill('SIGKILL')
  processes.clear()
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)))
})
afterAll(async () => {
  await db?.close()
  await rm(folder, { recursive: true, force: true })
})

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  clients.push(client)
  return client
}

async function query<R extends pg.QueryResultRow>(text: string | pg.QueryConfig): Promise<R[]> {
  const client = await connect()
  return (await client.query<R>(text)).rows
}

/** Starts a client process in `mode`; resolves once it printed `ready`, with a kill that resolves on its exit. */
async function clientLeaving(mode: string): Promise<{ kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', TSX, CLIENT, mode, db.url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  processes.add(child)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve())
    void exited.then(() => reject(new Error(`session client (${mode}) exited before it was ready`)))
  })
  return {
    kill: async () => {
      child.kill('SIGKILL')
      await exited
    },
  }
}

/** The session as a new client sees it: prepared statements, whether a transaction is open. */
async function sessionState() {
  return {
    prepared: (await query<{ name: string }>('select name from pg_prepared_statements')).map((r) => r.name),
    // now() is the transaction's start: equal to the statement's only outside a transaction block.
    inTransaction: (await query<{ open: boolean }>('select now() <> statement_timestamp() as open'))[0]?.open,
  }
}

describe('the embedded server clears what a SIGKILLed client left in the shared session', () => {
  it('its named prepared statements: the next client prepares the same names', async () => {
    const left = await clientLeaving('prepared')
    await left.kill()
    expect((await sessionState()).prepared).toEqual([])
    const rows = await query<{ two: number }>({ name: 'left_behind', text: 'select 2 as two' })
    expect(rows).toEqual([{ two: 2 }])
  }, 60_000)

  it('its open transaction: rolled back, and a client waiting behind it gets through', async () => {
    const left = await clientLeaving('transaction')
    const waiting = connect().then((client) => client.query("insert into notes (body) values ('after')"))
    await left.kill()
    await waiting
    const bodies = (await query<{ body: string }>('select body from notes')).map((r) => r.body)
    expect(bodies).toContain('after')
    expect(bodies).not.toContain('uncommitted')
    expect((await sessionState()).inTransaction).toBe(false)
  }, 60_000)

  it('a sequence it cut after an error: the next client is answered (not skipped until a Sync)', async () => {
    const left = await clientLeaving('cut-after-error')
    await left.kill()
    expect(await query('select 1 as one')).toEqual([{ one: 1 }])
  }, 60_000)

  it('a sequence it cut after an INSERT: the insert is undone, not merged into the next transaction', async () => {
    const left = await clientLeaving('cut-after-insert')
    await left.kill()
    const client = await connect()
    await client.query('begin')
    const seen = await client.query<{ n: number }>("select count(*)::int as n from notes where body = 'cut'")
    await client.query('rollback')
    expect(seen.rows).toEqual([{ n: 0 }])
    expect(await query("select count(*)::int as n from notes where body = 'cut'")).toEqual([{ n: 0 }])
  }, 60_000)

  it('mid-traffic, at 8 random points: whole transactions only, no statement left, the same names again', async () => {
    const random = seededRandom(21)
    for (let round = 0; round < 8; round++) {
      const left = await clientLeaving('traffic')
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(random() * 400)))
      await left.kill()
      expect(await sessionState()).toEqual({ prepared: [], inTransaction: false })
      // What the next process of the same service does first: the same statement names.
      const client = await connect()
      await client.query({ name: 'traffic_count', text: 'select count(*) from notes' })
      await client.end()
    }
    // Every transaction is there whole (two rows) or not at all, and the killed ones did commit some.
    const rounds = await query<{ body: string; n: number }>(
      "select body, count(*)::int as n from notes where body like 'round-%' group by body",
    )
    expect(rounds.length).toBeGreaterThan(0)
    expect(rounds.filter((r) => r.n !== 2)).toEqual([])
  }, 180_000)
})
