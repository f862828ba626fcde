// Small validators for options.ts: each pushes a readable problem instead of throwing, so one error lists them all.

export function checkCount(problems: string[], name: string, value: unknown, min: number): void {
  if (value === Infinity) return
  if (!isInteger(value) || value < min) problems.push(`${name} must be an integer ≥ ${min}, or Infinity`)
}

export function checkPositive(problems: string[], name: string, value: unknown): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0)
    problems.push(`${name} must be a number > 0`)
}

export function checkNonNegative(problems: string[], name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    problems.push(`${name} must be a finite number ≥ 0`)
  }
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value)
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function unknownKeys(value: object, known: ReadonlySet<string>, where: string): string[] {
  return Object.keys(value)
    .filter((key) => !known.has(key))
    .map((key) => `${where}: unknown key "${key}"`)
}
