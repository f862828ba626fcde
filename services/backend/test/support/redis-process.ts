import { spawn, type ChildProcess } from 'node:child_process'
import { getFreePort, pingRedis } from '@tarmac/postgres/cluster'

export interface RedisProcess {
  readonly url: string
  /** SIGKILL: connections reset, new ones refused. */
  kill(): Promise<void>
  /** Starts it again on the same port (empty: it keeps nothing on disk). */
  restart(): Promise<void>
  stop(): Promise<void>
}

/** A private `redis-server` on a free port that a test may kill and restart. */
export async function startRedisProcess(): Promise<RedisProcess> {
  const port = await getFreePort()
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    )
    const deadline = Date.now() + 10_000
    while (!(await pingRedis(port))) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const kill = async (): Promise<void> => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGKILL')
    await exited
  }
  await start()
  return { url: `redis://127.0.0.1:${port}`, kill, restart: start, stop: kill }
}
