import { spawn, execFile } from 'node:child_process'
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { getFreePort } from '@tarmac/postgres/cluster'

const run = promisify(execFile)

/** Debian's PgBouncer (`apt-get install -y pgbouncer`). `TEST_PGBOUNCER_BIN` overrides it. */
export const PGBOUNCER_BIN = process.env.TEST_PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer'

export interface PgBouncerOptions {
  /** The Postgres server every database is routed to (`* = host=… port=…`). */
  readonly upstream: { readonly host: string; readonly port: number }
  /** Users and their plain passwords (written to the auth file; SCRAM both ways). The first is the admin. */
  readonly users: Readonly<Record<string, string>>
  /** `pool_mode`. Default `transaction`. */
  readonly poolMode?: 'session' | 'transaction' | 'statement'
  /** More `[pgbouncer]` settings (`default_pool_size`, `max_client_conn`…), as written to the ini file. */
  readonly settings?: Readonly<Record<string, string | number>>
  /**
   * A whole pgbouncer.ini to run instead (e.g. deploy/pgbouncer/pgbouncer.ini as rendered): its `%include` is
   * pointed at the generated `[databases]` file, and only the listen address and port, the auth file, the
   * admin user and the log file are overridden (appended after it); `settings` still apply on top.
   */
  readonly template?: string
}

export interface PgBouncer {
  readonly host: '127.0.0.1'
  readonly port: number
  /** A URL through the bouncer. */
  url(options: { user: string; password: string; database: string }): string
  /** Runs a command on the admin console (`SHOW POOLS`, `SHOW CLIENTS`…) as the first user. */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(command: string): Promise<R[]>
  /** SIGTERM (PgBouncer's immediate shutdown: a test has nothing to drain) and removes its files. Idempotent. */
  stop(): Promise<void>
}

/**
 * Starts PgBouncer in the foreground on a free loopback port, in front of `upstream`, with SCRAM auth from a
 * generated auth file. PgBouncer refuses to run as root: as root it runs as the `postgres` OS user.
 * @example
 * const bouncer = await startPgBouncer({ upstream: cluster, users: { app: 'secret' }, settings: { default_pool_size: 5 } })
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const dir = await mkdtemp(join(tmpdir(), 'tarmac-pgbouncer-'))
  const users = Object.entries(options.users)
  const [admin] = users
  if (!admin) throw new Error('startPgBouncer: at least one user')
  const port = await getFreePort()
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`
  await writeFile(join(dir, 'userlist.txt'), users.map(([u, p]) => `${quote(u)} ${quote(p)}\n`).join(''))
  const local: Record<string, string | number> = {
    listen_addr: '127.0.0.1',
    listen_port: port,
    unix_socket_dir: '',
    auth_type: 'scram-sha-256',
    auth_file: join(dir, 'userlist.txt'),
    admin_users: admin[0],
    logfile: join(dir, 'pgbouncer.log'),
  }
  const lines = (entries: Record<string, string | number>) =>
    Object.entries(entries).map(([key, value]) => (value === '' ? `${key} =` : `${key} = ${value}`))
  const databases = `[databases]\n* = host=${options.upstream.host} port=${options.upstream.port}\n`
  await writeFile(join(dir, 'databases.ini'), databases)
  const ini = options.template
    ? [
        options.template.replace(/^%include .*$/m, `%include ${join(dir, 'databases.ini')}`),
        ';; overridden to run here',
        ...lines({ ...local, ...options.settings }),
        '',
      ].join('\n')
    : [
        `%include ${join(dir, 'databases.ini')}`,
        '',
        '[pgbouncer]',
        ...lines({ ...local, pool_mode: options.poolMode ?? 'transaction', ...options.settings }),
        '',
      ].join('\n')
  await writeFile(join(dir, 'pgbouncer.ini'), ini)
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim())
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim())
    for (const path of [dir, ...['userlist.txt', 'pgbouncer.ini', 'databases.ini'].map((f) => join(dir, f))])
      await chown(path, uid, gid)
  }
  const [command, args] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', PGBOUNCER_BIN, join(dir, 'pgbouncer.ini')]]
    : [PGBOUNCER_BIN, [join(dir, 'pgbouncer.ini')]]
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    await listening(
      port,
      () => child.exitCode !== null,
      () => stderr,
    )
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    await cleanup()
    throw error
  }
  let stopping: Promise<void> | undefined
  const url: PgBouncer['url'] = ({ user, password, database }) =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`
  return {
    host: '127.0.0.1',
    port,
    url,
    async admin<R extends pg.QueryResultRow>(text: string) {
      const client = new pg.Client({
        connectionString: url({ user: admin[0], password: admin[1], database: 'pgbouncer' }),
      })
      await client.connect()
      try {
        return (await client.query<R>(text)).rows
      } finally {
        await client.end()
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null) {
          child.kill('SIGTERM')
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
          await exited
          clearTimeout(timer)
        }
        await cleanup()
      })()),
  }
}

/** Resolves once the port accepts a TCP connection; rejects if the process exits first or after 10 s. */
async function listening(port: number, exited: () => boolean, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`pgbouncer exited: ${stderr()}`)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => (socket.destroy(), resolve(true)))
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`pgbouncer not listening on ${port} after 10 s: ${stderr()}`)
}
