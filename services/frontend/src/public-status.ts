import type { ServiceStatus, StatusBoard } from './status-types.js'

/**
 * The status board as anyone may see it: each service's state, and its history of states. Gone: checks, the
 * startup report, faults and their evidence, codes, cold starts and timings. The board is read with the
 * frontend's own health token, so this is what keeps backend and auth details (last errors, pool and capacity
 * figures, provider URLs) from being republished to every visitor.
 */
export function publicBoard(board: StatusBoard): StatusBoard {
  return { ...board, details: false, services: board.services.map(publicService) }
}

function publicService(service: ServiceStatus): ServiceStatus {
  return {
    name: service.name,
    status: service.status,
    reachable: service.reachable,
    state: service.state,
    phase: service.phase,
    since: service.since,
    sinceBasis: service.sinceBasis,
    startupDurationMs: null,
    startedAt: null,
    readyLatencyMs: null,
    phases: [],
    checks: [],
    fault: null,
    coldStarts: null,
    timeline: {
      windowMs: service.timeline.windowMs,
      changes: service.timeline.changes.map((change) => ({ ...change, code: null })),
      coldStarts: [],
    },
  }
}
