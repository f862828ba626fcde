import { faultDomainOf, isProbeErrorClass, type FaultDomain } from '@tarmac/probe'

/** Names of dependencies: a failing check named after one points at the infrastructure. */
const DEPENDENCY_NAMES = new Set([
  'postgres',
  'database',
  'db',
  'pg',
  'redis',
  'cache',
  'auth',
  'jwks',
  'llm',
  'connector',
  'dns',
  'network',
])
// `system` is the process itself (event-loop lag, startup state): the application's side.
const DEPENDENCY_TYPES = new Set(['datastore', 'dependency'])

/** What a health+json document says, reduced to what the monitor and validate show. */
export interface HealthVerdict {
  readonly state: 'pass' | 'fail' | 'starting'
  /** The startup state (`starting`, `started`, `failed`…) and current phase, when the body carries them. */
  readonly startupState?: string
  readonly startupPhase?: string
  /** The failing checks, `name (code)`. */
  readonly failing: string[]
  /** Whose move it is, when the document says something failed. */
  readonly faultDomain?: FaultDomain
  readonly message?: string
}

interface CheckEntry {
  status?: string
  componentType?: string
  code?: string
  output?: string
}

/**
 * Reads a health+json body: `starting` is its own state (a 503 from /health/startup while phases run is not
 * "down"); a failure is attributed to the infrastructure when the failing check is a dependency's (by name,
 * component type, or a probe error class in its `code`), else to the application.
 */
export function verdictOf(httpStatus: number, body: unknown): HealthVerdict {
  const doc = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const checksOf = (typeof doc.checks === 'object' && doc.checks !== null ? doc.checks : {}) as Record<
    string,
    CheckEntry[]
  >
  // /health/ready carries the engine's state as the `startup:state` check rather than a top-level `state`.
  const readyState = (checksOf['startup:state']?.[0] as { observedValue?: unknown } | undefined)
    ?.observedValue
  const startupState =
    typeof doc.state === 'string' ? doc.state : typeof readyState === 'string' ? readyState : undefined
  const startupPhase = typeof doc.phase === 'string' ? doc.phase : undefined
  const base = {
    ...(startupState !== undefined && { startupState }),
    ...(startupPhase !== undefined && { startupPhase }),
  }
  const checks = checksOf
  const failing = Object.entries(checks).flatMap(([name, entries]) =>
    (Array.isArray(entries) ? entries : [])
      .filter((e) => e?.status === 'fail')
      .map((e) => ({ name, entry: e })),
  )
  const ok = httpStatus >= 200 && httpStatus < 300 && doc.status !== 'fail'
  if (ok) return { state: 'pass', failing: [], ...base }
  const output = typeof doc.output === 'string' ? doc.output : undefined
  if (startupState === 'starting' || output?.startsWith('HEALTH_ERR_STARTING')) {
    return { state: 'starting', failing: [], ...base, ...(output !== undefined && { message: output }) }
  }
  const names = failing.map(({ name, entry }) => (entry.code ? `${name} (${entry.code})` : name))
  const infra = failing.some(({ name, entry }) => isInfrastructure(name, entry))
  const failureComponent = (doc.failure as { component?: string } | null | undefined)?.component
  const domain: FaultDomain =
    infra || (failureComponent !== undefined && DEPENDENCY_NAMES.has(failureComponent))
      ? 'infrastructure'
      : 'application'
  const message =
    names.length > 0
      ? `failing: ${names.join(', ')}`
      : (output ?? `HTTP ${httpStatus}, status ${typeof doc.status === 'string' ? doc.status : '?'}`)
  return { state: 'fail', failing: names, faultDomain: domain, message, ...base }
}

function isInfrastructure(name: string, entry: CheckEntry): boolean {
  if (entry.code !== undefined && isProbeErrorClass(entry.code))
    return faultDomainOf(entry.code) === 'infrastructure'
  if (entry.componentType !== undefined && DEPENDENCY_TYPES.has(entry.componentType)) return true
  return DEPENDENCY_NAMES.has(name.split(':')[0]!.toLowerCase())
}
