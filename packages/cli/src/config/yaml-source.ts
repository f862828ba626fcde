import { isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml'
import type { z } from 'zod'
import { CliError, formatProblem, type CliErrorCode, type ConfigProblem } from '../errors.js'
import { expandEnv } from './env-expand.js'

/**
 * Parses YAML text, expands `$VAR` / `${VAR}` / `${VAR:-default}` in string values, and validates the result
 * with a zod schema. Every problem (syntax, a missing variable, a schema violation) points at its line:
 * one `CliError` with `code` and `problems` lists them all.
 */
export function parseYaml<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  code: CliErrorCode,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const problems: ConfigProblem[] = doc.errors.map((error) => {
    const pos = lineCounter.linePos(error.pos[0])
    return { path: '', message: error.message.split('\n')[0] ?? error.code, line: pos.line, column: pos.col }
  })
  if (problems.length > 0) throw invalid(file, code, problems)
  expandScalars(doc, env, lineCounter, problems)
  // An unset variable is already reported at its line; its value's schema error would only repeat it.
  const unset = new Set(problems.map((problem) => problem.path))
  const parsed = schema.safeParse(doc.toJS() ?? {})
  if (parsed.success && problems.length === 0) return parsed.data
  for (const issue of parsed.error?.issues ?? []) {
    const path = issue.path as (string | number)[]
    if (unset.has(path.join('.'))) continue
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const at = positionOf(doc, lineCounter, [...path, key], true)
        problems.push({ path: [...path, key].join('.'), message: 'unknown key', ...at })
      }
      continue
    }
    const at = positionOf(doc, lineCounter, path)
    problems.push({ path: path.join('.'), message: issue.message, ...at })
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column)
  throw invalid(file, code, problems)
}

function invalid(file: string, code: CliErrorCode, problems: ConfigProblem[]): CliError {
  const lines = problems.map((problem) => formatProblem(file, problem))
  return new CliError(code, `${file} is invalid:\n  ${lines.join('\n  ')}`, { problems })
}

function expandScalars(
  doc: Document,
  env: NodeJS.ProcessEnv,
  lineCounter: LineCounter,
  problems: ConfigProblem[],
): void {
  visit(doc, {
    Scalar(_key, node, path) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return
      const { value, missing } = expandEnv(node.value, env)
      if (missing.length > 0) {
        const pos = lineCounter.linePos(node.range?.[0] ?? 0)
        const keys = path.filter(isPair).map((pair) => (isScalar(pair.key) ? String(pair.key.value) : '?'))
        problems.push({
          path: keys.join('.'),
          message: `environment variable ${missing.join(', ')} is not set (use \${NAME:-default} for a default)`,
          line: pos.line,
          column: pos.col,
        })
        return
      }
      node.value = value
    },
  })
}

/** The line of the deepest node on the path that exists (a missing key points at its parent). */
function positionOf(
  doc: Document,
  lineCounter: LineCounter,
  path: (string | number)[],
  atKey = false,
): { line: number; column: number } {
  if (atKey && path.length > 0) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true)
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path.at(-1))
      const range = isScalar(pair?.key) ? pair.key.range : undefined
      if (range) return at(lineCounter, range[0])
    }
  }
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range
    if (range) return at(lineCounter, range[0])
  }
  return { line: 0, column: 0 }
}

function at(lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const pos = lineCounter.linePos(offset)
  return { line: pos.line, column: pos.col }
}
