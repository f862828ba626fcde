import type { DeployFaultCode } from '../errors.js'
import type { PlatformFinding } from '../deploy/platform/findings.js'
import { judge } from '../faults.js'
import { WEIGHTS, type Fact } from './facts.js'
import type { CapacityObservation, PlatformObservation, UnreadableCapacity } from './observations.js'

/**
 * How much a drift weighs as evidence: a connector or database that is not serving is the platform's own state
 * (as strong as a service's report); a setting that differs from the plan makes a fault likely without showing it
 * (a hint). Drifts that do not cause a storm by themselves (another release, an unnamed build, scaling) are
 * shown and weigh nothing.
 */
const DRIFT_WEIGHTS: Partial<Record<DeployFaultCode, number>> = {
  DEPLOY_CONNECTOR_NOT_READY: WEIGHTS.report,
  DEPLOY_DATABASE_NOT_RUNNABLE: WEIGHTS.report,
  DEPLOY_DRIFT_CONNECTOR: WEIGHTS.hint,
  DEPLOY_DRIFT_DATABASE: WEIGHTS.hint,
  DEPLOY_DRIFT_TIMEOUTS: WEIGHTS.hint,
  DEPLOY_DRIFT_CONNECTIONS: WEIGHTS.hint,
  DEPLOY_DRIFT_NETWORK: WEIGHTS.hint,
  DEPLOY_DRIFT_POOLER: WEIGHTS.hint,
}

/** The settings worth a line of evidence even when they match: what the connector and database are, what runs. */
const SHOWN_WHEN_OK = new Set(['state', 'size', 'max_connections', 'image', 'traffic'])

const sourceOf = (finding: PlatformFinding) => `platform ${finding.resource}`

/**
 * `tarmac deploy verify`'s findings as evidence: each drift points at its code's domain and layer (a connector
 * at its maximum with its throughput, a database with fewer slots than planned, a revision whose timeouts
 * differ), scoped to its service when it has one; what the connector and database are is shown either way. A
 * database whose slots are all taken while its `max_connections` is its tier's default is at its tier's limit.
 */
export function platformFacts(
  observation: PlatformObservation | null,
  capacity: CapacityObservation | UnreadableCapacity | null,
): Fact[] {
  if (observation === null) return []
  if ('unavailable' in observation)
    return [{ source: 'platform', fact: `not read: ${observation.unavailable}` }]
  const facts: Fact[] = []
  for (const finding of observation.findings) {
    const scope = finding.service === undefined ? {} : { scope: finding.service }
    if (finding.status === 'drift') {
      const judged = judge(finding.code!)
      const weight = DRIFT_WEIGHTS[finding.code!]
      facts.push({
        source: sourceOf(finding),
        fact: `${finding.subject}: plan ${finding.plan}, live ${finding.live} — ${finding.why}`,
        value: { plan: finding.plan, live: finding.live, fix: finding.fix },
        fresh: true,
        ...scope,
        ...(weight !== undefined &&
          judged.domain !== 'unknown' &&
          judged.layer !== 'unknown' && {
            points: { domain: judged.domain, layer: judged.layer, weight, code: finding.code! },
          }),
      })
    } else if (SHOWN_WHEN_OK.has(finding.subject))
      facts.push({ source: sourceOf(finding), fact: `${finding.subject}: ${finding.live}`, ...scope })
  }
  const limit = tierLimit(observation.findings, capacity)
  if (limit) facts.push(limit)
  return facts
}

/** Every slot taken, on an instance whose `max_connections` is its tier's default: the tier is the limit. */
function tierLimit(
  findings: readonly PlatformFinding[],
  capacity: CapacityObservation | UnreadableCapacity | null,
): Fact | undefined {
  const max = findings.find((f) => f.subject === 'max_connections' && f.live.includes('default'))
  if (!max || capacity === null || 'unreadable' in capacity || capacity.available !== 0) return undefined
  return {
    source: sourceOf(max),
    fact: `the database is at its tier's limit: every one of max_connections ${max.live} is taken — a larger tier, or the max_connections flag, raises it`,
    points: { domain: 'infrastructure', layer: 'postgres-capacity', weight: WEIGHTS.hint },
    fresh: true,
  }
}
