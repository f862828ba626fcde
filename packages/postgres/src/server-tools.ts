import { execFile } from 'node:child_process'
import { existsSync, readdirSync, realpathSync } from 'node:fs'
import { chown } from 'node:fs/promises'
import { delimiter, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { PostgresError } from './errors.js'

const run = promisify(execFile)

/**
 * Where the PostgreSQL server tools (`initdb`, `pg_ctl`, `pg_basebackup`) are: `TARMAC_PG_BIN` (or
 * `TEST_PG_BIN`), else the newest `/usr/lib/postgresql/<major>/bin` (Debian's layout, any major version), else
 * the directory `initdb` on the PATH really lives in (through symlinks), else `pg_config --bindir`. Throws
 * `PG_ERR_SERVER_TOOLS_MISSING`, naming the package that installs them.
 */
export async function pgBinDir(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const configured = env.TARMAC_PG_BIN ?? env.TEST_PG_BIN
  if (configured) return configured
  const root = '/usr/lib/postgresql'
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (majors[0]) return join(root, majors[0], 'bin')
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const initdb = dir && join(dir, 'initdb')
    if (initdb && existsSync(initdb)) return dirname(realpathSync(initdb))
  }
  try {
    const { stdout } = await run('pg_config', ['--bindir'])
    const dir = stdout.trim()
    if (existsSync(join(dir, 'initdb'))) return dir
  } catch {
    // no pg_config either
  }
  throw new PostgresError(
    'PG_ERR_SERVER_TOOLS_MISSING',
    'the PostgreSQL server tools (initdb, pg_ctl) are not installed: apt-get install -y postgresql (or set TARMAC_PG_BIN)',
  )
}

/** Runs the server tools as the user that owns the cluster; hands files to that user. */
export interface OwnerRunner {
  run(command: string, args: string[], env?: Record<string, string>): Promise<void>
  give(path: string): Promise<void>
}

/** PostgreSQL refuses to run as root: as root, run its tools as the `postgres` OS user via runuser. */
export async function ownerRunner(dir: string): Promise<OwnerRunner> {
  const plain = async (command: string, args: string[], env?: Record<string, string>) =>
    void (await run(command, args, { env: { ...process.env, ...env } }))
  if (process.getuid?.() !== 0) return { run: plain, give: () => Promise.resolve() }
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim())
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim())
  await chown(dir, uid, gid)
  return {
    run: (command, args, env) =>
      plain('runuser', [
        '-u',
        'postgres',
        '--',
        'env',
        ...Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`),
        command,
        ...args,
      ]),
    give: (path) => chown(path, uid, gid),
  }
}
