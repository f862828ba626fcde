import { spawn, type ChildProcess } from 'node:child_process'
import { findRedisServer, getFreePort, pingRedis } from '@tarmac/postgres/cluster'

/** A `redis-server` of a test's own: in memory only, on a free loopback port. */
export interface TestRedis {
  readonly url: string
  readonly port: number
  /** SIGKILL, as a crash would: connections reset, new ones refused until `restart()`. */
  kill(): Promise<void>
  /** Starts it again on the same port, empty (it keeps nothing on disk). */
  restart(): Promise<void>
  /** SIGTERM, and waits for it to exit. Idempotent. */
  stop(): Promise<void>
}

/** How long a `redis-server` may take to answer PING before starting it counts as failed. */
const START_TIMEOUT_MS = 10_000

/** `redis-server` on the PATH or where Debian puts it; `TEST_REDIS_SERVER_BIN` overrides. Undefined if missing. */
export function findTestRedisServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.TEST_REDIS_SERVER_BIN || findRedisServer(env, ['/usr/bin', '/usr/sbin', '/usr/local/bin'])
}

/** Starting failed; `retryable` when another port might do (it exited or was slow), not when it cannot spawn. */
class RedisStartError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** One `redis-server` process: resolves once it answers PING; rejects if it cannot spawn, exits or is slow. */
async function spawnRedis(
  binary: string,
  port: number,
): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000)))
  // A spawn failure (ENOENT, EACCES) emits 'error' and never 'exit': without this handler it would crash the run.
  let spawnError: Error | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', (error) => ((spawnError = error), resolve()))
  })
  let gone = false
  void exited.then(() => (gone = true))
  const deadline = Date.now() + START_TIMEOUT_MS
  while (!gone && Date.now() < deadline) {
    if (await pingRedis(port)) return { child, exited }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (spawnError)
    throw new RedisStartError(`redis-server could not be started (${binary}): ${spawnError.message}`, false, {
      cause: spawnError,
    })
  if (!gone) {
    child.kill('SIGKILL')
    await exited
    throw new RedisStartError(
      `redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS} ms: ${output}`,
      true,
    )
  }
  throw new RedisStartError(
    `redis-server exited before answering on port ${port}: ${output.trim() || '(no output)'}`,
    true,
  )
}

/**
 * Starts `redis-server` (found by `findTestRedisServer`, the one lookup every test uses) on a free loopback port
 * without persistence. A missing binary, or one that cannot spawn, is an error naming the cause, never a crash
 * or a hang.
 * @example
 * const redis = await startTestRedis()
 * await redis.kill() // a Redis outage
 * await redis.restart() // back, empty, on the same port
 */
export async function startTestRedis(env: NodeJS.ProcessEnv = process.env): Promise<TestRedis> {
  const binary = findTestRedisServer(env)
  if (!binary)
    throw new Error(
      'redis-server is not installed: apt-get install -y redis-server (or set TEST_REDIS_URL to a Redis to use)',
    )
  for (let attempt = 1; ; attempt++) {
    const port = await getFreePort()
    let running: Awaited<ReturnType<typeof spawnRedis>> | undefined
    try {
      running = await spawnRedis(binary, port)
    } catch (error) {
      // Another process may have taken the port first: try another. A binary that cannot spawn will not improve.
      if (attempt >= 3 || !(error instanceof RedisStartError) || !error.retryable) throw error
      continue
    }
    const end = async (signal: NodeJS.Signals): Promise<void> => {
      const current = running
      running = undefined
      if (!current) return
      if (current.child.exitCode === null && current.child.signalCode === null) current.child.kill(signal)
      await current.exited
    }
    let stopping: Promise<void> | undefined
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      kill: () => end('SIGKILL'),
      async restart() {
        await end('SIGKILL')
        running = await spawnRedis(binary, port)
      },
      stop: () => (stopping ??= end('SIGTERM')),
    }
  }
}
