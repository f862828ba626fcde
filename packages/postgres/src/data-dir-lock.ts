import { readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { PostgresError } from './errors.js'

/** A held lock; `release` is idempotent and also runs if the process exits without calling it. */
export interface DataDirLock {
  readonly path: string
  release(): void
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes `<dataDir>.lock` (next to the data dir: initdb wants the dir itself empty) holding our pid.
 * A lock whose pid is dead is stale and taken over; a live one fails with `PG_ERR_EMBEDDED_FAILED`
 * naming the pid — two PGlite instances on one data dir would corrupt it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = `${dataDir}.lock`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' })
      let held = true
      const release = (): void => {
        if (!held) return
        held = false
        process.off('exit', release)
        try {
          unlinkSync(path)
        } catch {
          // Already gone: nothing to release.
        }
      }
      process.on('exit', release)
      return { path, release }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PostgresError('PG_ERR_EMBEDDED_FAILED', `cannot create lock file ${path}`, { cause: error })
      }
    }
    const pid = Number.parseInt(readLock(path), 10)
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new PostgresError(
        'PG_ERR_EMBEDDED_FAILED',
        `embedded Postgres data dir ${dataDir} is in use by process ${pid}${pid === process.pid ? ' (this process)' : ''}; stop it or use another dataDir`,
      )
    }
    try {
      unlinkSync(path)
    } catch {
      // Someone else removed the stale lock first; the next attempt decides.
    }
  }
  throw new PostgresError('PG_ERR_EMBEDDED_FAILED', `could not take the lock ${path}`)
}

function readLock(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
