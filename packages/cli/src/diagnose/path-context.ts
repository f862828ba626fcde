import { percentileOf } from '@tarmac/sampling'
import type { ProbeResult } from '@tarmac/probe'
import { faults, judge, type Judgement } from '../faults.js'
import type { DependencyObservation } from './observations.js'

/**
 * What diagnose's own view of the database says about the path the services take to it. A service's
 * network-level failure (`tcp` layer, or a startup timeout) means different things depending on it:
 * the database refusing from here too → the database is down; the database answering promptly from here →
 * the services' own path (the VPC connector) is what fails.
 */
export interface PathContext {
  /** A direct probe of a postgres dependency was refused: nothing listens where the database should. */
  readonly databaseRefuses: boolean
  /** Direct probes of the database all connected, p95 under half the slow bound. */
  readonly databaseFastFromHere: boolean
  readonly directP95Ms: number | null
}

export function p95Of(probes: readonly ProbeResult[]): number | null {
  const ok = probes.filter((probe) => probe.ok).map((probe) => probe.totalMs)
  const p95 = percentileOf(ok, 95)
  return p95 === null ? null : Math.round(p95 * 10) / 10
}

export function pathContextOf(
  dependencies: readonly DependencyObservation[],
  slowConnectMs: number,
): PathContext {
  const postgres = dependencies.filter((dependency) => dependency.type === 'postgres')
  const probes = postgres.flatMap((dependency) => dependency.probes)
  const directP95Ms = p95Of(probes)
  return {
    databaseRefuses: probes.some((probe) => probe.error?.class === 'TCP_REFUSED'),
    databaseFastFromHere:
      probes.length > 0 &&
      probes.every((probe) => probe.ok) &&
      directP95Ms !== null &&
      directP95Ms < slowConnectMs / 2,
    directP95Ms,
  }
}

/**
 * A service-side failure, judged with the fault model, then placed on the path: a network-level failure
 * (`tcp`, or an engine timeout) is the database being down when it refuses from here too, and the
 * connector when the database answers promptly from here.
 */
export function attribute(
  subject: { code?: string | undefined; domain?: unknown; layer?: unknown; message?: unknown },
  path: PathContext,
): Judgement & { refined?: string } {
  const judged = judge(subject)
  // Only a failure on the way to the database is placed on the database's path.
  const owner = subject.code === undefined ? undefined : faults.lookup(subject.code)?.owner
  const databasePath =
    owner === '@tarmac/postgres' || owner === '@tarmac/probe' || owner === '@tarmac/startup'
  const networkLevel = databasePath && (judged.layer === 'tcp' || judged.layer === 'startup')
  if (networkLevel && path.databaseRefuses)
    return {
      domain: 'infrastructure',
      layer: 'postgres-availability',
      refined: 'the database port refuses connections from here too',
    }
  if (networkLevel && path.databaseFastFromHere)
    return {
      domain: 'infrastructure',
      layer: 'connector',
      refined: `the database answers from here in ${path.directP95Ms} ms (p95): the services' own path is what fails`,
    }
  return judged
}
