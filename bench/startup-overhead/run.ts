/**
 * The startup engine's own cost: 1,000 no-op components across the backend's 7 phases, run by
 * `@tarmac/startup`, against awaiting the same 1,000 functions in a plain loop. Both are run alternately in
 * one process (A, B, C, A, B, C…) after a warm-up, so machine noise hits them alike; results are ratios of medians.
 * C is the least a hand-written boot with cancelling timeouts does (a controller and a timer per call).
 *
 *   npm run build -w packages/startup && npx tsx bench/startup-overhead/run.ts [rounds] [--label L] [--out FILE]
 *
 * It measures the compiled package (dist/), as production runs it, not the TypeScript sources.
 */
import { parseArgs } from 'node:util'
import { createStartup } from '@tarmac/startup'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import { tables, type StartupOverheadResult } from './tables.js'

const PHASES = ['init', 'dependencies', 'database', 'cache', 'services', 'websocket', 'finalize']
const COMPONENTS = 1000
const { values, positionals } = parseArgs({ options: RUN_OPTIONS, allowPositionals: true })
const rounds = Number(positionals[0] ?? 40)

// Async on purpose: the engine awaits every start, so the baseline awaits a promise too.
const noop = (_signal?: AbortSignal) => Promise.resolve('resource')
const functions = Array.from({ length: COMPONENTS }, () => noop)

async function plainLoop(): Promise<number> {
  const startedAt = performance.now()
  for (const fn of functions) await fn()
  return performance.now() - startedAt
}

/**
 * The least a hand-written boot needs for cancelling timeouts: a controller and a timer per call, and the
 * controller's signal handed to the call (Node makes an AbortController's signal lazily: a loop that never
 * reads it never pays for it, and cancels nothing).
 */
async function loopWithTimeouts(): Promise<number> {
  const startedAt = performance.now()
  for (const fn of functions) {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), 30_000)
    await fn(controller.signal)
    clearTimeout(timer)
  }
  return performance.now() - startedAt
}

/** The same loop that never reads the signal: what this bench measured as C before 2026-11-29. */
async function loopWithUnreadSignals(): Promise<number> {
  const startedAt = performance.now()
  for (const fn of functions) {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), 30_000)
    await fn()
    clearTimeout(timer)
  }
  return performance.now() - startedAt
}

async function engine(): Promise<{ runMs: number; shutdownMs: number }> {
  const startup = createStartup({ name: 'bench', phases: PHASES })
  functions.forEach((fn, i) =>
    startup.add({
      name: `c${i}`,
      phase: PHASES[i % PHASES.length]!,
      // Like a real component, it takes the attempt's signal (so the engine makes one).
      start: ({ signal }) => fn(signal),
      stop: async () => {},
    }),
  )
  const startedAt = performance.now()
  await startup.run()
  const runMs = performance.now() - startedAt
  const stopAt = performance.now()
  await startup.shutdown()
  return { runMs, shutdownMs: performance.now() - stopAt }
}

const bench = startRun({ bench: 'startup-overhead', label: values.label, out: values.out })
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

for (let i = 0; i < 5; i++)
  await Promise.all([plainLoop(), loopWithTimeouts(), loopWithUnreadSignals(), engine()]) // warm-up
const loopMs: number[] = []
const timeoutLoopMs: number[] = []
const unreadLoopMs: number[] = []
const runMs: number[] = []
const shutdownMs: number[] = []
for (let i = 0; i < rounds; i++) {
  loopMs.push(await plainLoop())
  timeoutLoopMs.push(await loopWithTimeouts())
  unreadLoopMs.push(await loopWithUnreadSignals())
  const result = await engine()
  runMs.push(result.runMs)
  shutdownMs.push(result.shutdownMs)
}

const result: StartupOverheadResult = {
  components: COMPONENTS,
  phases: PHASES.length,
  rounds,
  plainLoopMedianMs: +median(loopMs).toFixed(3),
  loopWithTimeoutsMedianMs: +median(timeoutLoopMs).toFixed(3),
  loopWithUnreadSignalsMedianMs: +median(unreadLoopMs).toFixed(3),
  engineRunMedianMs: +median(runMs).toFixed(3),
  engineShutdownMedianMs: +median(shutdownMs).toFixed(3),
  engineRunPerComponentUs: +((median(runMs) / COMPONENTS) * 1000).toFixed(2),
  ratioEngineToPlainLoop: +(median(runMs) / median(loopMs)).toFixed(1),
  ratioEngineToLoopWithTimeouts: +(median(runMs) / median(timeoutLoopMs)).toFixed(1),
  ratioEngineToLoopWithUnreadSignals: +(median(runMs) / median(unreadLoopMs)).toFixed(1),
}
console.log(tables.medians([await bench.finish(result)]))
