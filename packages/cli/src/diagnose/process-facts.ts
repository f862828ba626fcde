import type { SupervisedExit } from '../up/supervisor-facts.js'
import { WEIGHTS, type Fact } from './facts.js'
import type { DiagnosisInput, ServiceObservation } from './observations.js'
import { CRASH_LOOP_MIN } from './source-facts.js'

/** Exit 3 is a startup that failed: its own report (the collector's record) says why, not the exit. */
const STARTUP_FAILED_EXIT = 3

const describe = (exit: SupervisedExit) =>
  exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? 'unknown'}`

const notReady = (service: ServiceObservation | undefined) =>
  !service || !service.ready.answered || service.ready.status !== 200

/**
 * What `tarmac up` saw of its children. A child killed by a signal, or exiting on its own with a code other than
 * the failed startup's 3, is the process's own end — the application's domain (the team that ships it: an OOM
 * kill, a crash, a `kill -9`), with the signal or code as the evidence. It points only while the service is not
 * ready (it explains the silence); once it is back, it is history. The same end again and again is a crash loop.
 */
export function supervisorFacts(input: DiagnosisInput, windowMs: number): Fact[] {
  const observation = input.supervisor
  if (!observation) return []
  const { source } = observation
  if ('unavailable' in observation)
    return [{ source, fact: `tarmac up's facts are unreadable: ${observation.unavailable}` }]
  if (!observation.upRunning)
    return [
      {
        source,
        fact: `the tarmac up that wrote these facts (at ${observation.writtenAt}) no longer runs: they are history`,
      },
    ]
  const since = Date.parse(input.at) - windowMs
  const facts: Fact[] = []
  for (const [name, supervised] of Object.entries(observation.services)) {
    const service = input.services.find((candidate) => candidate.name === name)
    const exits = supervised.exits.filter((exit) => Date.parse(exit.at) >= since)
    const last = exits.at(-1)
    const now =
      supervised.pid === null
        ? supervised.restartFailed
          ? `down: its restart failed (${supervised.restartFailed})`
          : 'down, a restart pending'
        : `running again (pid ${supervised.pid})`
    if (!last) {
      facts.push({
        source,
        scope: name,
        fact: `${name}: running (pid ${supervised.pid ?? '?'}), no exit in the window`,
        ...(supervised.pid !== null && { clears: ['process' as const] }),
      })
      continue
    }
    const same = exits.filter((exit) => exit.signal === last.signal && exit.code === last.code)
    const loop = same.length >= CRASH_LOOP_MIN
    const ownEnd = last.signal !== null || last.code !== STARTUP_FAILED_EXIT
    const weight =
      ownEnd && notReady(service) ? WEIGHTS.report + WEIGHTS.pattern + (loop ? WEIGHTS.hint : 0) : 0
    facts.push({
      source,
      scope: name,
      at: last.at,
      value: { signal: last.signal, code: last.code, pid: last.pid, restarts: supervised.restarts },
      fact: `${name} ${describe(last)} at ${last.at}${last.pid === null ? '' : ` (pid ${last.pid})`}${loop ? ` — ${same.length} times in the window: a crash loop` : ''}; restarted ${supervised.restarts} time${supervised.restarts === 1 ? '' : 's'} by tarmac up, now ${now}${ownEnd ? '' : ' (exit 3: the startup failed; its report says why)'}`,
      ...(weight > 0 && {
        points: {
          domain: 'application' as const,
          layer: 'process' as const,
          weight,
          ...(last.signal && { code: last.signal }),
        },
      }),
    })
  }
  return facts
}
