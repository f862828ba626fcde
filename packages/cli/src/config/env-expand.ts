const REFERENCE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))|\$\$/g

/**
 * Expands `$NAME`, `${NAME}` and `${NAME:-default}` in a string; `$$` is a literal `$`.
 * A variable that is unset (or empty, for the `:-` form) and has no default is reported in `missing`.
 * @example expandEnv('postgres://${PGHOST:-127.0.0.1}/app', {}) // → { value: 'postgres://127.0.0.1/app', missing: [] }
 */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): { value: string; missing: string[] } {
  const missing: string[] = []
  const value = text.replace(REFERENCE, (match, braced?: string, fallback?: string, bare?: string) => {
    if (match === '$$') return '$'
    const name = (braced ?? bare)!
    const found = env[name]
    if (found !== undefined && (fallback === undefined || found !== '')) return found
    if (fallback !== undefined) return fallback
    missing.push(name)
    return match
  })
  return { value, missing }
}
