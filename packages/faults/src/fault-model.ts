import type { FaultCatalog, FaultSpec } from './fault-spec.js'
import { catalogProblems } from './fault-spec.js'
import { classOfCode } from './code-classes.js'
import { isFetchFailure, isProgrammingError, programmingErrorCode } from './programming-error.js'
import { isFaultDomain, isFaultLayer, type VerdictDomain, type VerdictLayer } from './vocabulary.js'

/** A code as declared, with the package that declares it. */
export type DeclaredFault = FaultSpec & { readonly code: string; readonly owner: string }

/** How a failure was judged, and on what. */
export interface Classification {
  readonly domain: VerdictDomain
  readonly layer: VerdictLayer
  /** The code the judgement rests on: the failure's own, or its cause's when its own defers. */
  readonly code: string | undefined
  /**
   * `annotation`: the producer said (a service annotates its documents from its own catalog); `declared`: the
   * code's spec; `cause`: a deferring code's cause; `fallback`: a deferring code's own spec, no cause known;
   * `programming-error`: a `TypeError`, `ReferenceError` or `SyntaxError` of the application's own code, no catalog
   * declaring its code (`isProgrammingError`); `class`: a code no catalog declares, judged by its class (a
   * SQLSTATE's, a network errno's: `classOfCode`), or undici's bare `fetch failed`; `undeclared`: a code no
   * catalog knows and no class holds; `none`: no code at all.
   */
  readonly basis:
    'annotation' | 'declared' | 'cause' | 'fallback' | 'programming-error' | 'class' | 'undeclared' | 'none'
}

/** The lookup every judge of a fault uses: the status page, monitor, validate, diagnose, the assistant. */
export interface FaultModel {
  readonly lookup: (code: string) => DeclaredFault | undefined
  /**
   * Judges an error or a recorded failure (`{ code, domain?, layer?, cause? }`): the producer's annotation if it
   * has one, else the declared spec, following `cause` where a code defers; a programming error
   * (`isProgrammingError`) is `application`. Never guesses: what no catalog declares is `unknown`.
   */
  readonly classify: (subject: unknown) => Classification
  /** `{ domain, layer }` to write into a document beside a code (unknown parts left out). */
  readonly annotate: (subject: unknown) => { domain?: VerdictDomain; layer?: VerdictLayer }
  readonly catalogs: readonly FaultCatalog[]
  readonly codes: readonly string[]
}

const UNKNOWN: Classification = { domain: 'unknown', layer: 'unknown', code: undefined, basis: 'none' }
const MAX_DEPTH = 8

interface Subject {
  code?: unknown
  domain?: unknown
  layer?: unknown
  cause?: unknown
}

/**
 * Merges catalogs into one model. A code declared twice must be declared the same way (domain, layer, status);
 * otherwise — and for any invalid spec — it throws one error listing every problem.
 * @example
 * const faults = createFaultModel(STARTUP_FAULTS, POSTGRES_FAULTS, BACKEND_FAULTS)
 * faults.classify(error) // { domain: 'infrastructure', layer: 'postgres-capacity', code: 'PG_ERR_TOO_MANY_CONNECTIONS', basis: 'declared' }
 */
export function createFaultModel(...catalogs: readonly FaultCatalog[]): FaultModel {
  const declared = new Map<string, DeclaredFault>()
  const problems: string[] = []
  for (const catalog of catalogs) {
    problems.push(...catalogProblems(catalog.owner, catalog.specs))
    for (const [code, spec] of Object.entries(catalog.specs)) {
      const earlier = declared.get(code)
      if (
        earlier &&
        (earlier.domain !== spec.domain || earlier.layer !== spec.layer || earlier.status !== spec.status)
      )
        problems.push(`${code} is declared by ${earlier.owner} and, differently, by ${catalog.owner}`)
      // Validated above (catalogProblems): the loose catalog type narrows to a FaultSpec.
      if (!earlier) declared.set(code, { ...(spec as FaultSpec), code, owner: catalog.owner })
    }
  }
  for (const fault of declared.values()) {
    // The code a client sees instead must answer with the same status (checked where the model declares it).
    const shown = fault.answersAs === undefined ? undefined : declared.get(fault.answersAs)
    if (shown && (shown.status !== fault.status || shown.answersAs !== undefined))
      problems.push(
        `${fault.code} answers as ${shown.code}, which answers ${shown.answersAs ? `as ${shown.answersAs}` : `with ${String(shown.status)}`}, not ${String(fault.status)}`,
      )
  }
  if (problems.length > 0) throw new TypeError(`invalid fault model:\n  ${problems.join('\n  ')}`)

  const classify = (subject: unknown, depth = 0): Classification => {
    if (typeof subject !== 'object' || subject === null || depth > MAX_DEPTH) return UNKNOWN
    const { code, domain, layer, cause } = subject as Subject
    const codeName = typeof code === 'string' && code !== '' ? code : undefined
    if (isFaultDomain(domain))
      return { domain, layer: isFaultLayer(layer) ? layer : 'unknown', code: codeName, basis: 'annotation' }
    const spec = codeName === undefined ? undefined : declared.get(codeName)
    if (spec && !spec.defers)
      return { domain: spec.domain, layer: spec.layer, code: codeName, basis: 'declared' }
    // The application's own code is wrong: a rule on what the error is, not a lookup of its code.
    if (!spec && isProgrammingError(subject))
      return {
        domain: 'application',
        layer: 'application',
        code: programmingErrorCode(subject),
        basis: 'programming-error',
      }
    const fromCause = cause === undefined ? UNKNOWN : classify(cause, depth + 1)
    // undici's `fetch failed`: its cause says which part of the network; without one it is still the network.
    if (!spec && isFetchFailure(subject))
      return fromCause.domain !== 'unknown'
        ? { ...fromCause, basis: fromCause.basis === 'annotation' ? 'annotation' : 'cause' }
        : { domain: 'infrastructure', layer: 'tcp', code: 'fetch failed', basis: 'class' }
    // A code no catalog declares: its class says whose move it is (42P05 is a statement the application sent).
    const codeClass = spec || codeName === undefined ? undefined : classOfCode(codeName)
    if (codeClass) return { domain: codeClass.domain, layer: codeClass.layer, code: codeName, basis: 'class' }
    if (fromCause.domain !== 'unknown')
      return { ...fromCause, basis: fromCause.basis === 'annotation' ? 'annotation' : 'cause' }
    if (spec)
      return {
        domain: spec.domain ?? 'unknown',
        layer: spec.layer ?? 'unknown',
        code: codeName,
        basis: spec.domain === undefined ? 'undeclared' : 'fallback',
      }
    return codeName === undefined
      ? UNKNOWN
      : { domain: 'unknown', layer: 'unknown', code: codeName, basis: 'undeclared' }
  }

  return Object.freeze({
    lookup: (code: string) => declared.get(code),
    classify: (subject: unknown) => classify(subject),
    annotate: (subject: unknown) => {
      const { domain, layer } = classify(subject)
      return {
        ...(domain !== 'unknown' && { domain }),
        ...(layer !== 'unknown' && { layer }),
      }
    },
    catalogs: Object.freeze([...catalogs]),
    codes: Object.freeze([...declared.keys()]),
  })
}
