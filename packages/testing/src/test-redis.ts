import { spawn } from 'node:child_process'
import { findRedisServer, getFreePort, pingRedis } from '@tarmac/postgres/cluster'

/** A Redis of the test run's own: in memory only, on a free loopback port. */
export interface TestRedis {
  readonly url: string
  readonly port: number
  /** SIGTERM, and waits for it to exit. Idempotent. */
  stop(): Promise<void>
}

/** `redis-server` on the PATH or where Debian puts it; `TEST_REDIS_SERVER_BIN` overrides. Undefined if missing. */
export function findTestRedisServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.TEST_REDIS_SERVER_BIN || findRedisServer(env, ['/usr/bin', '/usr/sbin', '/usr/local/bin'])
}

/**
 * Starts `redis-server` on a free loopback port without persistence, for a test run. A missing binary is an
 * error naming the command that installs it.
 * @example
 * const redis = await startTestRedis()
 * process.env.TEST_REDIS_URL = redis.url
 */
export async function startTestRedis(): Promise<TestRedis> {
  const binary = findTestRedisServer()
  if (!binary)
    throw new Error(
      'redis-server is not installed: apt-get install -y redis-server (or set TEST_REDIS_URL to a Redis to use)',
    )
  for (let attempt = 1; ; attempt++) {
    const port = await getFreePort()
    const child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000)))
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const deadline = Date.now() + 10_000
    while (child.exitCode === null && Date.now() < deadline && !(await pingRedis(port)))
      await new Promise((resolve) => setTimeout(resolve, 50))
    if (child.exitCode === null && (await pingRedis(port))) {
      let stopping: Promise<void> | undefined
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop: () =>
          (stopping ??= (async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
            await exited
          })()),
      }
    }
    child.kill('SIGKILL')
    await exited
    // Another process may have taken the port first: try another.
    if (attempt >= 3) throw new Error(`redis-server did not start on port ${port}: ${output}`)
  }
}
