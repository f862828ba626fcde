import type { CheckDetails, HealthStatus } from './check.js'
import type { EvaluatedCheck } from './registry.js'

/** The media type of every probe body (IETF draft-inadarei-api-health-check). */
export const HEALTH_MEDIA_TYPE = 'application/health+json'

/** One entry of `checks["component:measurement"]`. `code` and `details` are Tarmac's extensions. */
export interface HealthCheckEntry {
  componentId?: string
  componentType: string
  observedValue?: number | string | boolean | null
  observedUnit?: string
  status: HealthStatus
  time?: string
  output?: string
  code?: string
  /** With `code`: whose move it is (`application`, `infrastructure`, `configuration`). */
  domain?: string
  /** With `code`: where the fault is; on a passing check, the layer it watches (its `fault.layer`). */
  layer?: string
  details?: CheckDetails
}

/** A probe body. Extra top-level keys (`phase`, `progress`, `failure`, `report`) are Tarmac's extensions. */
export interface HealthDocument {
  status: HealthStatus
  serviceId?: string
  version?: string
  releaseId?: string
  description?: string
  notes?: string[]
  output?: string
  checks: Record<string, HealthCheckEntry[]>
  links?: Record<string, string>
  [extension: string]: unknown
}

/** Who the service is, repeated in every body. */
export interface ServiceIdentity {
  readonly serviceId?: string
  readonly version?: string
  readonly releaseId?: string
  readonly description?: string
}

const SEVERITY: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 }

/** The most severe of some statuses; pass when there are none. */
export function worstOf(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'pass'
  for (const status of statuses) if (SEVERITY[status] > SEVERITY[worst]) worst = status
  return worst
}

/** A cached check result as a health+json entry, with every detail (callers strip them when not allowed). */
export function entryOf({ check, result }: EvaluatedCheck): HealthCheckEntry {
  const entry: HealthCheckEntry = {
    componentType: check.componentType,
    status: result.status,
    time: result.time,
  }
  if (check.componentId !== undefined) entry.componentId = check.componentId
  if (result.observedValue !== undefined) entry.observedValue = result.observedValue
  if (result.observedUnit !== undefined) entry.observedUnit = result.observedUnit
  if (result.output !== undefined) entry.output = result.output
  if (result.code !== undefined) entry.code = result.code
  if (result.domain !== undefined) entry.domain = result.domain
  // A failure's judged layer; else the layer the check watches, so a passing check can rule that layer out.
  const layer = result.layer ?? check.fault.layer
  if (layer !== undefined) entry.layer = layer
  if (result.details !== undefined) entry.details = result.details
  return entry
}

export function documentOf(
  identity: ServiceIdentity,
  status: HealthStatus,
  checks: Record<string, HealthCheckEntry[]>,
  extra: Partial<HealthDocument> = {},
): HealthDocument {
  return { status, ...identity, ...extra, checks }
}

/**
 * The body for a caller without the token: statuses only. Observed values, outputs, codes, details, notes and
 * the startup report go; `kept` extension keys (non-secret progress) stay.
 */
export function statusesOnly(document: HealthDocument, kept: readonly string[] = []): HealthDocument {
  const checks: Record<string, HealthCheckEntry[]> = {}
  for (const [name, entries] of Object.entries(document.checks))
    checks[name] = entries.map(({ componentType, status }) => ({ componentType, status }))
  const stripped: HealthDocument = { status: document.status, checks }
  for (const key of ['serviceId', 'version', 'releaseId', 'description', 'links', ...kept])
    if (document[key] !== undefined) stripped[key] = document[key]
  return stripped
}
