import { execFile } from 'node:child_process'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { getFreePort } from './free-port.js'
import { createSelfSignedCert } from './self-signed-cert.js'

const run = promisify(execFile)

/** Where Debian puts the PostgreSQL 15 server tools. `TEST_PG_BIN` overrides it. */
export const PG_BIN = process.env.TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin'

export interface OwnClusterOptions {
  /** `max_connections`, with `superuser_reserved_connections=0` so every slot counts (default 20). */
  maxConnections?: number
  /** Turn SSL on with a throwaway self-signed certificate (default false). */
  ssl?: boolean
  /** More `postgresql.conf` settings, passed as `-c name=value`. */
  settings?: Record<string, string | number>
}

export interface OwnCluster {
  readonly host: '127.0.0.1'
  readonly port: number
  /** The superuser's password (the role is `postgres`). */
  readonly password: string
  readonly dataDir: string
  /** A URL for this cluster; defaults: user postgres with its password, database postgres. */
  url(options?: { user?: string; password?: string; database?: string; query?: string }): string
  /** Runs SQL as the superuser on database postgres. */
  sql(text: string): Promise<pg.QueryResult>
  /** `pg_ctl stop -m immediate` and removes every file. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * Starts a private PostgreSQL 15 cluster on a free loopback port: `initdb` into a temporary folder,
 * password auth over TCP (`host all all 127.0.0.1/32 scram-sha-256`, so a wrong password is a real
 * 28P01), a small `max_connections`, optional SSL. Runs the server tools as the `postgres` OS user
 * when the tests run as root. About 1–2 s to start.
 * @example
 * const cluster = await startOwnCluster({ maxConnections: 3 })
 * afterAll(() => cluster.stop())
 */
export async function startOwnCluster(options: OwnClusterOptions = {}): Promise<OwnCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tarmac-pg-'))
  const dataDir = join(dir, 'data')
  const password = `pw_${Math.random().toString(36).slice(2)}`
  const asOwner = await ownerRunner(dir)
  const pwFile = join(dir, 'pwfile')
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 })
  await asOwner.give(pwFile)
  try {
    await asOwner.run(join(PG_BIN, 'initdb'), [
      ...['-D', dataDir, '-U', 'postgres', '-E', 'UTF8', '--pwfile', pwFile],
      ...['--auth-host=scram-sha-256', '--auth-local=trust', '--no-sync', '--no-instructions'],
    ])
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: dir,
      max_connections: options.maxConnections ?? 20,
      superuser_reserved_connections: 0,
      password_encryption: 'scram-sha-256',
      fsync: 'off',
      ...options.settings,
    }
    if (options.ssl) {
      await createSelfSignedCert({ dir })
      for (const file of ['server.key', 'server.crt']) await asOwner.give(join(dir, file))
      await chmod(join(dir, 'server.key'), 0o600)
      Object.assign(settings, {
        ssl: 'on',
        ssl_cert_file: join(dir, 'server.crt'),
        ssl_key_file: join(dir, 'server.key'),
      })
    }
    const port = await startServer(asOwner, dir, dataDir, settings)
    return cluster(asOwner, dir, dataDir, port, password)
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

async function startServer(
  asOwner: OwnerRunner,
  dir: string,
  dataDir: string,
  settings: Record<string, string | number>,
): Promise<number> {
  // Another process may take the free port before the postmaster binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await getFreePort()
    const flags = Object.entries({ ...settings, port }).map(([name, value]) => `-c ${name}=${value}`)
    try {
      await asOwner.run(join(PG_BIN, 'pg_ctl'), [
        ...['-D', dataDir, '-l', join(dir, 'server.log'), '-o', flags.join(' '), '-w', '-t', '30', 'start'],
      ])
      return port
    } catch (error) {
      if (attempt >= 3) throw error
    }
  }
}

function cluster(
  asOwner: OwnerRunner,
  dir: string,
  dataDir: string,
  port: number,
  password: string,
): OwnCluster {
  let stopped = false
  const url: OwnCluster['url'] = (options = {}) => {
    const user = encodeURIComponent(options.user ?? 'postgres')
    const secret = encodeURIComponent(options.password ?? password)
    const query = options.query === undefined ? '' : `?${options.query}`
    return `postgres://${user}:${secret}@127.0.0.1:${port}/${options.database ?? 'postgres'}${query}`
  }
  return {
    host: '127.0.0.1',
    port,
    password,
    dataDir,
    url,
    async sql(text) {
      const client = new pg.Client({ connectionString: url() })
      await client.connect()
      try {
        return await client.query(text)
      } finally {
        await client.end()
      }
    },
    async stop() {
      if (stopped) return
      stopped = true
      await asOwner
        .run(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'])
        .catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

interface OwnerRunner {
  run(command: string, args: string[]): Promise<void>
  /** Hands a file to the user the server runs as. */
  give(path: string): Promise<void>
}

/** PostgreSQL refuses to run as root: as root, run its tools as the `postgres` OS user via runuser. */
async function ownerRunner(dir: string): Promise<OwnerRunner> {
  if (process.getuid?.() !== 0) {
    return { run: async (command, args) => void (await run(command, args)), give: () => Promise.resolve() }
  }
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim())
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim())
  await chown(dir, uid, gid)
  return {
    run: async (command, args) => void (await run('runuser', ['-u', 'postgres', '--', command, ...args])),
    give: (path) => chown(path, uid, gid),
  }
}
