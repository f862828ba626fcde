import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { getFreePort } from './free-port.js'
import { createSelfSignedCert } from './self-signed-cert.js'
import { ownerRunner, pgBinDir, type OwnerRunner } from './server-tools.js'

export interface PrivateClusterOptions {
  /** `max_connections`, with `superuser_reserved_connections=0` so every slot counts unless set (default 20). */
  readonly maxConnections?: number
  /** Turn SSL on with a throwaway self-signed certificate (default false). */
  readonly ssl?: boolean
  /** More `postgresql.conf` settings, passed as `-c name=value`. */
  readonly settings?: Readonly<Record<string, string | number>>
  /**
   * How TCP connections authenticate: `scram-sha-256` (default: a wrong password is a real 28P01) or `trust`
   * (any user, no password — a throwaway server on loopback for a test suite, like a developer's local one).
   */
  readonly auth?: 'scram-sha-256' | 'trust'
  /**
   * Also listen on a Unix socket in this directory, relative to the cluster's own temporary folder — e.g.
   * `cloudsql/my-project:europe-west1:tarmac`, the way Cloud Run mounts a Cloud SQL instance at
   * `/cloudsql/PROJECT:REGION:INSTANCE`. Socket connections authenticate like TCP ones (`auth`).
   */
  readonly socketDir?: string
}

export interface PrivateCluster {
  readonly host: '127.0.0.1'
  readonly port: number
  /** The superuser's password (the role is `postgres`). */
  readonly password: string
  readonly dataDir: string
  /** Where the server writes its log. */
  readonly logFile: string
  /** The absolute directory of the Unix socket asked for with `socketDir`; undefined without one. */
  readonly socketDir: string | undefined
  /**
   * A URL for this cluster; defaults: user postgres with its password, database postgres. With `socket: true`
   * (and `socketDir`), through the Unix socket: `postgres://user:pw@localhost:PORT/db?host=<socketDir>`.
   */
  url(options?: {
    user?: string
    password?: string
    database?: string
    query?: string
    socket?: boolean
  }): string
  /** Runs SQL as the superuser on database postgres. */
  sql(text: string): Promise<pg.QueryResult>
  /**
   * A second server, a standby of this one (`pg_basebackup -R`), on its own port. With `hotStandby: false` it
   * stays in recovery and refuses every connection with 57P03 — a database that is "starting up", for real.
   */
  startStandby(options?: { hotStandby?: boolean }): Promise<PrivateCluster>
  /**
   * The server dies (`pg_ctl stop -m immediate`: every connection reset, new ones refused) and keeps its
   * files, for `restart()`. A database that goes away at run time, for real.
   */
  crash(): Promise<void>
  /** Starts the server again after `crash()`, on the same port with the same settings. */
  restart(): Promise<void>
  /** `pg_ctl stop -m immediate` and removes every file. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * Starts a private PostgreSQL cluster on a free loopback port from the installed server tools (any major
 * version; see `pgBinDir`): `initdb` into a temporary folder, password auth over TCP (`scram-sha-256`, so a
 * wrong password is a real 28P01; or `trust`), a small `max_connections`, optional SSL. Runs the tools as the `postgres`
 * OS user when run as root. About 1–2 s. For tests, benchmarks and `tarmac rehearse`.
 * @example
 * const cluster = await startPrivateCluster({ maxConnections: 3 })
 * try { … } finally { await cluster.stop() }
 */
export async function startPrivateCluster(options: PrivateClusterOptions = {}): Promise<PrivateCluster> {
  const bin = await pgBinDir()
  const dir = await mkdtemp(join(tmpdir(), 'tarmac-pg-'))
  const dataDir = join(dir, 'data')
  const password = `pw_${Math.random().toString(36).slice(2)}`
  const asOwner = await ownerRunner(dir)
  const pwFile = join(dir, 'pwfile')
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 })
  await asOwner.give(pwFile)
  try {
    await asOwner.run(join(bin, 'initdb'), [
      ...['-D', dataDir, '-U', 'postgres', '-E', 'UTF8', '--pwfile', pwFile],
      ...[
        `--auth-host=${options.auth ?? 'scram-sha-256'}`,
        // The cluster's own socket is the tools' (pg_ctl -w pings it); one asked for is a client's, like TCP.
        `--auth-local=${options.socketDir === undefined ? 'trust' : (options.auth ?? 'scram-sha-256')}`,
        '--no-sync',
        '--no-instructions',
      ],
    ])
    const socketDir = options.socketDir === undefined ? undefined : join(dir, options.socketDir)
    if (socketDir !== undefined) {
      await mkdir(socketDir, { recursive: true })
      for (let path = socketDir; path !== dir; path = dirname(path)) await asOwner.give(path)
    }
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: socketDir === undefined ? dir : `${dir},${socketDir}`,
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
    const port = await startServer({ asOwner, bin, dir, dataDir, settings })
    return cluster({ asOwner, bin, dir, dataDir, settings, socketDir }, port, password)
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

interface ServerFiles {
  readonly asOwner: OwnerRunner
  readonly bin: string
  readonly dir: string
  readonly dataDir: string
  readonly settings: Readonly<Record<string, string | number>>
  readonly socketDir?: string | undefined
}

async function startServer(files: ServerFiles): Promise<number> {
  // Another process may take the free port before the postmaster binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await getFreePort()
    try {
      await startOnPort(files, port)
      return port
    } catch (error) {
      if (attempt >= 3) throw error
    }
  }
}

async function startOnPort(files: ServerFiles, port: number): Promise<void> {
  const flags = Object.entries({ ...files.settings, port }).map(([name, value]) => `-c ${name}=${value}`)
  await files.asOwner.run(join(files.bin, 'pg_ctl'), [
    ...['-D', files.dataDir, '-l', join(files.dir, 'server.log'), '-o', flags.join(' ')],
    ...['-w', '-t', '30', 'start'],
  ])
}

function cluster(files: ServerFiles, port: number, password: string): PrivateCluster {
  let stopped = false
  const standbys: PrivateCluster[] = []
  const url: PrivateCluster['url'] = (options = {}) => {
    const user = encodeURIComponent(options.user ?? 'postgres')
    const secret = encodeURIComponent(options.password ?? password)
    const params = [
      ...(options.socket && files.socketDir !== undefined ? [`host=${files.socketDir}`] : []),
      ...(options.query === undefined ? [] : [options.query]),
    ]
    const host = options.socket ? 'localhost' : '127.0.0.1'
    const query = params.length === 0 ? '' : `?${params.join('&')}`
    return `postgres://${user}:${secret}@${host}:${port}/${options.database ?? 'postgres'}${query}`
  }
  return {
    host: '127.0.0.1',
    port,
    socketDir: files.socketDir,
    password,
    dataDir: files.dataDir,
    logFile: join(files.dir, 'server.log'),
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
    async startStandby(options = {}) {
      const dir = await mkdtemp(join(tmpdir(), 'tarmac-pg-standby-'))
      const asOwner = await ownerRunner(dir)
      const dataDir = join(dir, 'data')
      await asOwner.run(
        join(files.bin, 'pg_basebackup'),
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          'postgres',
          '-D',
          dataDir,
          '-R',
          '-X',
          'stream',
          '--checkpoint=fast',
          '--no-sync',
        ],
        { PGPASSWORD: password },
      )
      const settings = {
        ...files.settings,
        unix_socket_directories: dir,
        hot_standby: options.hotStandby === false ? 'off' : 'on',
      }
      const standbyFiles = { asOwner, bin: files.bin, dir, dataDir, settings }
      const standby = cluster(standbyFiles, await startServer(standbyFiles), password)
      standbys.push(standby)
      return standby
    },
    async crash() {
      await files.asOwner.run(join(files.bin, 'pg_ctl'), [
        '-D',
        files.dataDir,
        '-m',
        'immediate',
        '-w',
        'stop',
      ])
    },
    restart: () => startOnPort(files, port),
    async stop() {
      if (stopped) return
      stopped = true
      for (const standby of standbys) await standby.stop()
      await files.asOwner
        .run(join(files.bin, 'pg_ctl'), ['-D', files.dataDir, '-m', 'immediate', '-w', 'stop'])
        .catch(() => undefined)
      await rm(files.dir, { recursive: true, force: true })
    },
  }
}
