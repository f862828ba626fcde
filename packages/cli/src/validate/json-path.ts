import type { JsonCondition } from './criteria-schema.js'

/**
 * Reads a value at a simple JSON path: `status`, `$.checks["postgres:connectionTime"][0].observedValue`,
 * `phases[2].name`. Undefined when any step is missing.
 */
export function readPath(value: unknown, path: string): unknown {
  const steps = stepsOf(path)
  let current = value
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string | number, unknown>)[step]
  }
  return current
}

function stepsOf(path: string): (string | number)[] {
  const steps: (string | number)[] = []
  const pattern = /\.?([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\]/g
  const text = path.replace(/^\$\.?/, '')
  for (const match of text.matchAll(pattern)) {
    if (match[2] !== undefined) steps.push(Number(match[2]))
    else steps.push((match[1] ?? match[3] ?? match[4])!)
  }
  return steps
}

/** Checks one condition; returns why it failed, or undefined when it holds. */
export function failedCondition(body: unknown, condition: JsonCondition): string | undefined {
  const value = readPath(body, condition.path)
  const shown = JSON.stringify(value) ?? 'undefined'
  const num = typeof value === 'number' ? value : Number.NaN
  if (condition.exists !== undefined && (value !== undefined) !== condition.exists)
    return `${condition.path} ${condition.exists ? 'is missing' : `exists (${shown})`}`
  if ('equals' in condition && condition.equals !== undefined && !same(value, condition.equals))
    return `${condition.path} is ${shown}, expected ${JSON.stringify(condition.equals)}`
  if ('notEquals' in condition && condition.notEquals !== undefined && same(value, condition.notEquals))
    return `${condition.path} is ${shown}, expected anything else`
  if (condition.in !== undefined && !condition.in.some((option) => same(value, option)))
    return `${condition.path} is ${shown}, expected one of ${JSON.stringify(condition.in)}`
  if (condition.lt !== undefined && !(num < condition.lt))
    return `${condition.path} is ${shown}, expected < ${condition.lt}`
  if (condition.lte !== undefined && !(num <= condition.lte))
    return `${condition.path} is ${shown}, expected ≤ ${condition.lte}`
  if (condition.gt !== undefined && !(num > condition.gt))
    return `${condition.path} is ${shown}, expected > ${condition.gt}`
  if (condition.gte !== undefined && !(num >= condition.gte))
    return `${condition.path} is ${shown}, expected ≥ ${condition.gte}`
  if (
    condition.matches !== undefined &&
    !(typeof value === 'string' && new RegExp(condition.matches).test(value))
  )
    return `${condition.path} is ${shown}, expected to match /${condition.matches}/`
  return undefined
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
