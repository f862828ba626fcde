import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { delimiter, join } from 'node:path'

/**
 * `redis-server` in a directory of `env.PATH`, then of `extraDirs`; undefined when there is none. The
 * CLI looks on the PATH only (so `PATH=/nowhere` means "no Redis"); tests add Debian's directories.
 */
export function findRedisServer(
  env: NodeJS.ProcessEnv = process.env,
  extraDirs: readonly string[] = [],
): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter), ...extraDirs]
  return dirs.map((dir) => dir && join(dir, 'redis-server')).find((path) => path && existsSync(path))
}

/** Resolves true once `PING` gets `+PONG` from a Redis on the loopback `port`; false on anything else. */
export function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.setTimeout(1_000, () => socket.destroy())
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(false))
  })
}
