import { ANALYSIS_DEFAULTS, measuredNow, type AnalysisOptions, type Fact } from './facts.js'
import type { DiagnosisInput } from './observations.js'
import { pathContextOf } from './path-context.js'
import { platformFacts } from './platform-facts.js'
import { supervisorFacts } from './process-facts.js'
import { serviceFacts } from './service-facts.js'
import { capacityFacts, coldStartFacts, dependencyFacts } from './source-facts.js'

/** Every observation turned into facts: what it says, where it points, what it rules out. */
export function analyse(input: DiagnosisInput, options: AnalysisOptions = ANALYSIS_DEFAULTS): Fact[] {
  const path = pathContextOf(input.dependencies, options.slowConnectMs)
  const context = { options, servicesPathFast: servicesPathFast(input, options.slowConnectMs) }
  return [
    ...input.services.flatMap((service) => serviceFacts(service, path, options)),
    ...coldStartFacts(input.coldStarts, path),
    ...input.dependencies.flatMap((dependency) => dependencyFacts(dependency, context)).map(measuredNow),
    ...capacityFacts(input.capacity).map(measuredNow),
    ...platformFacts(input.platform ?? null, input.capacity),
    ...supervisorFacts(input, options.windowMs),
  ]
}

/** Some service's in-service probe connected every time, p95 under the slow bound: its path is fine. */
function servicesPathFast(input: DiagnosisInput, slowConnectMs: number): boolean {
  return input.services.some((service) => {
    const probe = service.probe
    if (!probe?.answered || probe.status !== 200) return false
    const body = probe.body as { attempts?: { ok?: boolean }[]; stepsMs?: { total?: { p95?: number } } }
    const total = body?.stepsMs?.total?.p95
    return (
      Array.isArray(body?.attempts) &&
      body.attempts.length > 0 &&
      body.attempts.every((attempt) => attempt.ok === true) &&
      typeof total === 'number' &&
      total < slowConnectMs
    )
  })
}

/** True when every service answered `/health/ready` with a passing document. */
export function allReady(input: DiagnosisInput): boolean {
  return input.services.every(
    (service) =>
      service.ready.answered &&
      service.ready.status === 200 &&
      (service.ready.body as { status?: unknown } | undefined)?.status !== 'fail',
  )
}

/** What diagnose could not see: each gap as the evidence that would change an `unknown` verdict. */
export function evidenceGaps(input: DiagnosisInput): string[] {
  const gaps: string[] = []
  const silent = input.services.filter((service) => !service.ready.answered).map((service) => service.name)
  if (silent.length > 0)
    gaps.push(
      `an answer from ${silent.join(', ')}: is it running? (the platform's instance list and logs; locally, tarmac up)`,
    )
  if (input.coldStarts === null)
    gaps.push(
      'a cold-start collector (STARTUP_REPORT_URL on every service, collector: in tarmac.yaml) would keep the evidence instances leave before they exit',
    )
  else if (input.coldStarts.unavailable !== undefined)
    gaps.push(`the collector's recorded cold starts, unreadable now (${input.coldStarts.unavailable})`)
  const hidden = input.services
    .filter((service) => service.probe?.answered === true && service.probe.status === 401)
    .map((service) => service.name)
  if (hidden.length > 0)
    gaps.push(
      `the health token of ${hidden.join(', ')} (tokenEnv in tarmac.yaml) would show its checks, startup report and in-service probe`,
    )
  if (!input.dependencies.some((dependency) => dependency.type === 'postgres'))
    gaps.push('the database as a dependency in tarmac.yaml would let diagnose probe it and read its capacity')
  if (input.platform && 'unavailable' in input.platform)
    gaps.push(
      `the platform's settings (the connector, the database's tier, the revisions), unreadable now: ${input.platform.unavailable}`,
    )
  return gaps
}
