import type { ServiceCheck, ServiceStatus, StatusBoard } from './status-types.js'

/** Units whose values are timings: the only observed values an anonymous caller sees. */
const TIMING_UNITS = new Set(['ms', 's'])

/**
 * The status board as anyone may see it: states, codes and timings. Gone: check outputs, error messages, fault
 * summaries and evidence (they can carry hosts, URLs and provider answers), and observed values that are not
 * timings (pool sizes, capacity figures, URLs). The board is read with the frontend's own health token, so
 * this is what keeps those details from being republished to every visitor.
 */
export function publicBoard(board: StatusBoard): StatusBoard {
  return { ...board, details: false, services: board.services.map(publicService) }
}

function publicService(service: ServiceStatus): ServiceStatus {
  return {
    ...service,
    phases: service.phases.map((phase) => ({
      ...phase,
      components: phase.components.map((component) => ({
        ...component,
        lastError: component.lastError && {
          code: component.lastError.code,
          message: '',
          ...(component.lastError.domain !== undefined && { domain: component.lastError.domain }),
          ...(component.lastError.layer !== undefined && { layer: component.lastError.layer }),
        },
      })),
    })),
    checks: service.checks.map(publicCheck),
    fault: service.fault && {
      domain: service.fault.domain,
      layer: service.fault.layer,
      code: service.fault.code,
      component: service.fault.component,
      summary: `${service.name}: ${service.fault.code}${service.fault.component ? ` in ${service.fault.component}` : ''}`,
      evidence: [],
    },
  }
}

function publicCheck(check: ServiceCheck): ServiceCheck {
  const timing =
    typeof check.observedValue === 'number' &&
    check.observedUnit !== null &&
    TIMING_UNITS.has(check.observedUnit)
  return {
    ...check,
    observedValue: timing ? check.observedValue : null,
    observedUnit: timing ? check.observedUnit : null,
    output: null,
  }
}
