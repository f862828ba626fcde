/**
 * One way every package validates its options: a zod schema, parsed once, and every problem turned into one
 * error of the package's own class and code. zod is described structurally, so this package keeps no runtime
 * dependency; the packages that validate depend on zod themselves.
 */

/** One problem as zod reports it (`$ZodIssue`, the fields read here). */
export interface OptionIssue {
  readonly code?: string
  readonly path: readonly PropertyKey[]
  readonly message: string
  /** On `unrecognized_keys`. */
  readonly keys?: readonly string[]
  /** The offending value, when parsed with `reportInput`. */
  readonly input?: unknown
}

/** An issue before it has a message, as zod hands it to an error map (the fields read here). */
export interface RawIssue {
  readonly code?: string
  readonly origin?: string
  readonly expected?: string
  readonly minimum?: unknown
  readonly maximum?: unknown
  readonly inclusive?: boolean
  readonly values?: readonly unknown[]
  readonly input?: unknown
}

/** The part of a zod schema `parseOptions` uses: `z.strictObject({ … })` and friends fit it. */
export interface OptionsSchema<T> {
  safeParse(
    input: unknown,
    params?: { readonly reportInput?: boolean; readonly error?: (issue: RawIssue) => string | undefined },
  ):
    | { readonly success: true; readonly data: T }
    | { readonly success: false; readonly error: { readonly issues: readonly OptionIssue[] } }
}

/**
 * Parses `input` with `schema`. On failure, calls `toError` with every problem as one readable line each
 * (`upstream.port must be an integer from 1 to 65535 (got 70000)`) and throws what it returns.
 * @example
 * const options = parseOptions(POOL_SCHEMA, input, (problems) =>
 *   new PostgresError('PG_ERR_INVALID_OPTIONS', `pool: ${problems.join('; ')}`))
 */
export function parseOptions<T>(
  schema: OptionsSchema<T>,
  input: unknown,
  toError: (problems: readonly string[]) => Error,
): T {
  // Parse params cost zod its fast path (≈0.8 µs → ≈3.5 µs for a small object), and options are checked on hot
  // paths (`startup.add`): parse plainly, and parse again with them only to describe a failure.
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const result = schema.safeParse(input, { reportInput: true, error: defaultMessage })
  if (result.success) return result.data
  // Unknown keys first: a misspelt key often explains the problems after it (`timeoutMS`, then a default).
  const issues = [...result.error.issues].sort(
    (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
  )
  throw toError(issues.flatMap(describeIssue))
}

/** Readable lines for one issue: the option's path first, then what is wrong with its value. */
export function describeIssue(issue: OptionIssue): string[] {
  const where = issue.path.length === 0 ? 'options' : pathOf(issue.path)
  if (issue.code === 'unrecognized_keys' && issue.keys)
    return issue.keys.map((key) => `${where} has an unknown key "${key}"`)
  // A cross-field rule (`refine`) reports the whole object; its message already says what is wrong.
  const whole = issue.code === 'custom' && typeof issue.input === 'object' && !Array.isArray(issue.input)
  const got = 'input' in issue && issue.input !== undefined && !whole ? ` (got ${shown(issue.input)})` : ''
  return [`${where} ${issue.message}${got}`]
}

/**
 * The wording of a problem the schema gave no message for: what the value must be, in the words a README
 * would use (`must be ≥ 1`, `must be an integer`), not zod's (`Too small: expected number to be >=1`).
 */
export function defaultMessage(issue: RawIssue): string | undefined {
  const sized = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required'
      return issue.expected === undefined
        ? undefined
        : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return 'must be a non-empty string'
      return sized
        ? `must have at least ${String(issue.minimum)}${sized}`
        : `must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`
    case 'too_big':
      return sized
        ? `must have at most ${String(issue.maximum)}${sized}`
        : `must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`
    case 'invalid_value':
      return `must be one of ${(issue.values ?? []).map((value) => JSON.stringify(value)).join(', ')}`
    default:
      return undefined
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  function: 'a function',
}

function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('')
}

/** Short and safe: no string that could carry a credential (a URL, a DSN) is repeated. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  if (typeof value === 'string')
    return value.length <= 40 && !/[@:/]/.test(value) ? JSON.stringify(value) : 'a string'
  if (typeof value === 'function') return 'a function'
  return Array.isArray(value) ? 'an array' : `an ${typeof value}`
}
