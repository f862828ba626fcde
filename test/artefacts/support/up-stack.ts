import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getFreePort } from '@tarmac/testing'
import {
  childrenOf,
  freeBackendPort,
  startCli,
  startTimeOf,
  stopCli,
  type CliRun,
  type ProcessIdentity,
} from '../../../packages/cli/test/cli-process.js'
import { ROOT } from './built-service.js'

/**
 * Where `tarmac up` runs its services from. `build`: the CLI's dist/bin.js (TARMAC_FROM_SOURCE=0) and each
 * service's dist/main.js — `npm start`, or `npx tarmac up` once built. `sources`: the CLI's src/bin.ts and each
 * service's src/main.ts through tsx (TARMAC_FROM_SOURCE=1 and --source) — a fresh clone's `npx tarmac up`
 * before any build, which runs exactly that because no dist/ exists.
 */
export type UpFrom = 'build' | 'sources'

/** A service process `up` runs, by service name, with its identity (pid and start time: pids wrap here). */
export interface UpChild extends ProcessIdentity {
  readonly name: string
}

export interface UpStack {
  readonly run: CliRun
  /** Each service's URL by the name `up` gives it (`auth`, `backend` or `backend-1`…, `frontend`). */
  readonly urls: Readonly<Record<string, string>>
  /** The services `up` runs now, from /proc (its child processes). */
  children(): UpChild[]
  /** Output length now: a mark for `waitFor` to look only at what comes after it. */
  mark(): number
  /**
   * The first match of `pattern` in what `up` printed after `since`; rejects when `up` exits first or after
   * `timeoutMs`, with its last lines.
   */
  waitFor(pattern: RegExp, since: number, timeoutMs: number): Promise<RegExpMatchArray>
  /**
   * The last `count` lines `up` printed for one service (its `name │` lines: its own output and its fate), after
   * `since` if given; `problems` keeps only what is not INFO or quieter: warnings, errors, a failure line.
   */
  linesOf(name: string, options?: { count?: number; since?: number; problems?: boolean }): string
  /** Ctrl-C, as a terminal would, and removes what it made (SIGKILL if it does not stop). Idempotent. */
  stop(): Promise<void>
}

/**
 * `tarmac up` (the real binary, packages/cli/bin/tarmac.js) on free ports, until it prints "Ctrl-C to stop".
 * `databaseUrl` unset: the embedded database, in a data directory of its own. With several backends, `up` runs
 * from a root of its own (a link to this checkout's services/), so the stack file it writes under the root
 * (.tarmac/stack.yaml) is never another run's.
 */
export async function startUp(options: {
  from: UpFrom
  databaseUrl?: string
  backends?: number
  /** More environment for `up` and, through it, its services (e.g. LOG_LEVEL). */
  env?: NodeJS.ProcessEnv
  readyWithinMs?: number
}): Promise<UpStack> {
  const scratch = mkdtempSync(join(tmpdir(), 'tarmac-artefacts-up-'))
  const backends = options.backends ?? 1
  let root = ROOT
  if (backends > 1) {
    root = join(scratch, 'root')
    mkdirSync(root)
    symlinkSync(join(ROOT, 'services'), join(root, 'services'))
  }
  const ports = {
    auth: await getFreePort(),
    backend: await freeBackendPort(backends),
    frontend: await getFreePort(),
  }
  const args = [
    'up',
    ...['--root', root, '--ports', `auth=${ports.auth},backend=${ports.backend},frontend=${ports.frontend}`],
    ...(options.databaseUrl
      ? ['--database-url', options.databaseUrl]
      : ['--data-dir', join(scratch, 'pgdata')]),
    ...(backends > 1 ? ['--backends', String(backends)] : []),
    ...(options.from === 'sources' ? ['--source'] : []),
  ]
  const run = startCli(args, {
    env: {
      TARMAC_FROM_SOURCE: options.from === 'sources' ? '1' : '0',
      // Nothing from the shell that runs the tests: up decides the database and Redis itself.
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      // The services log at their default level, info, as under `npm start`: lines are in flight at any time.
      LOG_LEVEL: undefined,
      ...options.env,
    },
  })
  let stopping: Promise<void> | undefined
  const stack: UpStack = {
    run,
    urls: {},
    children: () =>
      childrenOf(run.child.pid!)
        .filter((child) => child.cmdline.includes('/services/'))
        .map((child) => ({
          name: /services\/(\w+)\//.exec(child.cmdline)?.[1] ?? '?',
          pid: child.pid,
          startTime: startTimeOf(child.pid),
          cmdline: child.cmdline,
        })),
    mark: () => run.output().length,
    async waitFor(pattern, since, timeoutMs) {
      const deadlineMs = Date.now() + timeoutMs
      for (;;) {
        const match = pattern.exec(run.output().slice(since))
        if (match) return match
        const tail = run.output().slice(-3_000)
        if (run.child.exitCode !== null || run.child.signalCode !== null)
          throw new Error(`tarmac up exited before printing ${pattern}:\n${tail}`)
        if (Date.now() > deadlineMs) throw new Error(`no ${pattern} within ${timeoutMs / 1000} s:\n${tail}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    linesOf(name, { count = 15, since = 0, problems = false } = {}) {
      const prefix = new RegExp(`^${name.replace(/[-]/g, '\\-')}\\s*│`)
      const quiet = /│ ([\d:.]+ (INFO|DEBUG|TRACE) |phase \S+ (running|completed))/
      return run
        .output()
        .slice(since)
        .split('\n')
        .filter((line) => prefix.test(line) && !(problems && quiet.test(line)))
        .slice(-count)
        .join('\n')
    },
    stop: () =>
      (stopping ??= (async () => {
        await stopCli(run)
        rmSync(scratch, { recursive: true, force: true })
      })()),
  }
  try {
    await run.waitFor(/Ctrl-C to stop/, options.readyWithinMs ?? 240_000)
  } catch (error) {
    await stack.stop()
    const failure = run.stderr().trim().split('\n').at(-1) || (error as Error).message.split('\n')[0]!
    // The service the failure names (`component "backend-2"`), else every one.
    const named = /component "([^"]+)"/.exec(failure)?.[1]
    const services = named
      ? [named]
      : [...new Set([...run.output().matchAll(/^(\S+)\s*│/gm)].map((m) => m[1]!))]
    const problems = services
      .map((name) => [name, stack.linesOf(name, { count: 6, problems: true })] as const)
      .filter(([, lines]) => lines)
      .map(([name, lines]) => `${name}'s last warnings and errors:\n${lines}`)
    throw new Error(
      `tarmac up from the ${options.from} did not get ready: ${failure}\n${problems.join('\n')}`,
    )
  }
  for (const [, name, url] of run.output().matchAll(/^ {2}(\S+)\s+(http:\/\/127\.0\.0\.1:\d+)\s+\(pid/gm))
    (stack.urls as Record<string, string>)[name!] = url!
  return stack
}
