import { isFaultDomain, isFaultLayer, type FaultDomain, type FaultLayer } from './vocabulary.js'

/**
 * What one error code means, declared beside the code in its package's `errors.ts`. A code that only says
 * "it did not finish" or "something below failed" `defers` to its cause; its own domain and layer (if any)
 * are the fallback when no cause is known.
 */
export type FaultSpec = {
  /** The HTTP status where the code reaches HTTP: the one place a service's error handler reads it from. */
  readonly status?: number
  /**
   * The code an HTTP client sees in its place, with this status: a dependency's own codes (`PG_ERR_UNREACHABLE`)
   * answer as `DEPENDENCY_UNAVAILABLE`, which clients know to retry. The model checks the two statuses agree.
   */
  readonly answersAs?: string
  /** `Retry-After` in seconds when the code reaches HTTP (an error's own `retryAfterS` wins). */
  readonly retryAfterS?: number
  /** One line: what happened. */
  readonly meaning: string
  /** One line: what to do about it. */
  readonly action: string
} & (
  | { readonly domain: FaultDomain; readonly layer: FaultLayer; readonly defers?: false }
  | { readonly defers: true; readonly domain?: FaultDomain; readonly layer?: FaultLayer }
)

/**
 * A spec as a catalog holds it, typed loosely so a catalog of any shape (a `pickFaults` slice, a test's) reads
 * as one; `createFaultModel` validates every spec against the closed lists.
 */
export interface CatalogSpec {
  readonly status?: number
  readonly answersAs?: string
  readonly retryAfterS?: number
  readonly meaning: string
  readonly action: string
  readonly domain?: string
  readonly layer?: string
  readonly defers?: boolean
}

/** A package's codes and their specs (extra per-code fields, like `retryable`, are allowed). */
export interface FaultCatalog {
  /** The package or service that declares them, e.g. `@tarmac/postgres`. */
  readonly owner: string
  readonly specs: Readonly<Record<string, CatalogSpec>>
  readonly codes: readonly string[]
}

/** What `defineFaults` returns: a `FaultCatalog` that keeps the literal codes and spec types. */
export type DefinedFaults<Specs extends Readonly<Record<string, FaultSpec>>> = {
  readonly owner: string
  readonly specs: Specs
  readonly codes: readonly (keyof Specs & string)[]
}

/** The problems of a catalog, one line each; empty when it is valid. */
export function catalogProblems(owner: string, specs: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = []
  for (const [code, raw] of Object.entries(specs)) {
    const spec = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
    const where = `${owner} ${code}`
    if (!/^[A-Z][A-Z0-9_]*$/.test(code)) problems.push(`${where}: codes are UPPER_SNAKE_CASE`)
    if (typeof spec.meaning !== 'string' || spec.meaning === '')
      problems.push(`${where}: meaning is required`)
    if (typeof spec.action !== 'string' || spec.action === '') problems.push(`${where}: action is required`)
    if (
      spec.status !== undefined &&
      !(Number.isInteger(spec.status) && (spec.status as number) >= 100 && (spec.status as number) <= 599)
    )
      problems.push(`${where}: status must be an HTTP status`)
    if (spec.answersAs !== undefined && spec.status === undefined)
      problems.push(`${where}: answersAs needs the status it answers with`)
    if (
      spec.answersAs !== undefined &&
      !(typeof spec.answersAs === 'string' && /^[A-Z][A-Z0-9_]*$/.test(spec.answersAs))
    )
      problems.push(`${where}: answersAs names a code (UPPER_SNAKE_CASE)`)
    if (
      spec.retryAfterS !== undefined &&
      (spec.status === undefined || !(Number.isInteger(spec.retryAfterS) && (spec.retryAfterS as number) > 0))
    )
      problems.push(`${where}: retryAfterS is a whole number of seconds above 0, beside a status`)
    if (spec.defers === true) {
      if (spec.domain !== undefined && !isFaultDomain(spec.domain))
        problems.push(`${where}: unknown domain ${JSON.stringify(spec.domain)}`)
      if (spec.layer !== undefined && !isFaultLayer(spec.layer))
        problems.push(`${where}: unknown layer ${JSON.stringify(spec.layer)}`)
    } else {
      if (!isFaultDomain(spec.domain))
        problems.push(`${where}: domain must be application, infrastructure or configuration`)
      if (!isFaultLayer(spec.layer))
        problems.push(`${where}: layer ${String(spec.layer)} is not in FAULT_LAYERS`)
    }
  }
  return problems
}

/**
 * Declares a package's codes: validated once (domains and layers from the closed lists, a meaning and an action
 * for each), frozen. Throws one error listing every problem.
 * @example
 * export const POSTGRES_FAULTS = defineFaults('@tarmac/postgres', {
 *   PG_ERR_TOO_MANY_CONNECTIONS: { domain: 'infrastructure', layer: 'postgres-capacity', meaning: '…', action: '…' },
 * })
 */
export function defineFaults<const Specs extends Readonly<Record<string, FaultSpec>>>(
  owner: string,
  specs: Specs,
): DefinedFaults<Specs> {
  const problems = catalogProblems(owner, specs)
  if (problems.length > 0) throw new TypeError(`invalid fault catalog:\n  ${problems.join('\n  ')}`)
  for (const spec of Object.values(specs)) Object.freeze(spec)
  return Object.freeze({
    owner,
    specs: Object.freeze(specs),
    codes: Object.freeze(Object.keys(specs)),
  })
}

/**
 * The part of a catalog a service answers with, e.g. the shared `@tarmac/service` codes the backend uses, for
 * that service's README. Throws on a code the catalog does not declare.
 */
export function pickFaults(catalog: FaultCatalog, codes: readonly string[]): FaultCatalog {
  const missing = codes.filter((code) => !(code in catalog.specs))
  if (missing.length > 0) throw new TypeError(`${catalog.owner} does not declare ${missing.join(', ')}`)
  return Object.freeze({
    owner: catalog.owner,
    specs: Object.freeze(Object.fromEntries(codes.map((code) => [code, catalog.specs[code]!]))),
    codes: Object.freeze([...codes]),
  })
}
