import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { delimiter, join } from 'node:path'
import type { Component } from '@tarmac/startup'
import { sleep } from '@tarmac/startup'
import { CliError } from '../errors.js'

/** A Redis `tarmac up` started for the backends' run events: in memory only, on loopback. */
export interface LocalRedis {
  readonly url: string
  readonly child: ChildProcess
}

/** `redis-server` on the PATH (Debian: `apt-get install -y redis-server`), or undefined. */
export function findRedisServer(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter))
    if (dir && existsSync(join(dir, 'redis-server'))) return join(dir, 'redis-server')
  return undefined
}

/** Resolves true once `PING` gets `+PONG` on the port. */
function pong(port: number): Promise<boolean> {
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

/**
 * A startup component that runs `redis-server` on `port` (no persistence, loopback only) and is up once it
 * answers PING; stop sends SIGTERM. Several backends need it: a reply streamed on one reaches the sockets of
 * the others only through Redis pub/sub.
 */
export function redisServerComponent(
  binary: string,
  port: number,
  onLine: (line: string) => void,
): Component<LocalRedis> {
  return {
    name: 'redis',
    phase: 'database',
    timeoutMs: 15_000,
    async start({ signal }) {
      const child = spawn(
        binary,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
      )
      child.stderr.on('data', (chunk: Buffer) => onLine(chunk.toString().trim()))
      const killOnExit = () => child.kill('SIGKILL')
      process.once('exit', killOnExit)
      child.once('exit', () => process.removeListener('exit', killOnExit))
      while (!(await pong(port))) {
        if (child.exitCode !== null)
          throw new CliError('CLI_ERR_REDIS_UNAVAILABLE', `redis-server exited with code ${child.exitCode}`)
        await sleep(100, signal)
      }
      return { url: `redis://127.0.0.1:${port}`, child }
    },
    async stop({ child }) {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
