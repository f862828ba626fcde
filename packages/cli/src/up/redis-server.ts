import { spawn, type ChildProcess } from 'node:child_process'
import { pingRedis } from '@tarmac/postgres/cluster'
import type { Component } from '@tarmac/startup'
import { sleep } from '@tarmac/startup'
import { CliError } from '../errors.js'
import { guardedCommand } from './orphan-guard.js'

/** A Redis `tarmac up` started for the backends' run events: in memory only, on loopback. */
export interface LocalRedis {
  readonly url: string
  readonly child: ChildProcess
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
      // Under the orphan guard: redis-server cannot preload the parent watch, and it must not outlive a
      // SIGKILLed `tarmac up` (it would keep its port and memory). The guard passes SIGTERM on.
      const guarded = guardedCommand(binary, [
        ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ])
      const child = spawn(guarded.command, guarded.args, {
        env: { ...process.env, ...guarded.env },
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      })
      child.stderr.on('data', (chunk: Buffer) => onLine(chunk.toString().trim()))
      // SIGTERM, not SIGKILL: the guard stops redis-server and exits with it; a SIGKILLed guard would leave it.
      const killOnExit = () => child.kill('SIGTERM')
      process.once('exit', killOnExit)
      child.once('exit', () => process.removeListener('exit', killOnExit))
      while (!(await pingRedis(port))) {
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
