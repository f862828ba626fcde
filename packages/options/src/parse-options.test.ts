import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { describeIssue, parseOptions } from './parse-options.js'

class WidgetError extends Error {
  constructor(
    readonly code: 'WIDGET_ERR_INVALID_OPTIONS',
    message: string,
  ) {
    super(message)
  }
}

const SCHEMA = z.strictObject({
  url: z.string().min(1, 'must be a non-empty string'),
  port: z.number().int().min(1).max(65535, 'must be an integer from 1 to 65535').optional(),
  retry: z.strictObject({ baseMs: z.number().gt(0, 'must be a number > 0') }).optional(),
})

const toError = (problems: readonly string[]) =>
  new WidgetError('WIDGET_ERR_INVALID_OPTIONS', `invalid widget options: ${problems.join('; ')}`)

function rejected(input: unknown): WidgetError {
  try {
    parseOptions(SCHEMA, input, toError)
  } catch (error) {
    expect(error).toBeInstanceOf(WidgetError)
    return error as WidgetError
  }
  throw new Error('expected the options to be rejected')
}

describe('parseOptions', () => {
  it('returns the parsed value', () => {
    expect(parseOptions(SCHEMA, { url: 'x', port: 80 }, toError)).toEqual({ url: 'x', port: 80 })
  })

  it("throws the package's own error listing every problem with its path and value", () => {
    const error = rejected({ url: '', port: 70_000, retry: { baseMs: -1, jitter: 1 }, colour: 'red' })
    expect(error.code).toBe('WIDGET_ERR_INVALID_OPTIONS')
    expect(error.message).toContain('url must be a non-empty string (got "")')
    expect(error.message).toContain('port must be an integer from 1 to 65535 (got 70000)')
    expect(error.message).toContain('retry.baseMs must be a number > 0 (got -1)')
    expect(error.message).toContain('retry has an unknown key "jitter"')
    expect(error.message).toContain('options has an unknown key "colour"')
  })

  it('never repeats a string that could hold a credential', () => {
    const error = rejected({ url: 'postgres://app:s3cret@db/app', port: 'postgres://app:s3cret@db' })
    expect(error.message).not.toContain('s3cret')
    expect(error.message).toContain('port')
  })

  it('says a missing required option is required', () => {
    expect(rejected({}).message).toBe('invalid widget options: url is required')
  })

  it('rejects a non-object', () => {
    expect(rejected(null).message).toMatch(/^invalid widget options: options /)
  })
})

describe('default wording', () => {
  it('says what the value must be in plain words', () => {
    const schema = z.strictObject({
      count: z.number().int().min(1),
      ratio: z.number().max(1),
      mode: z.enum(['a', 'b']),
      name: z.string().min(1),
    })
    const problems: string[] = []
    expect(() =>
      parseOptions(schema, { count: 1.5, ratio: 2, mode: 'c', name: '' }, (lines) => {
        problems.push(...lines)
        return new Error('invalid')
      }),
    ).toThrow('invalid')
    expect(problems).toEqual([
      'count must be an integer (got 1.5)',
      'ratio must be ≤ 1 (got 2)',
      'mode must be one of "a", "b" (got "c")',
      'name must be a non-empty string (got "")',
    ])
  })
})

describe('describeIssue', () => {
  it('writes array indexes in brackets', () => {
    expect(describeIssue({ path: ['phases', 1, 'name'], message: 'must be a string' })).toEqual([
      'phases[1].name must be a string',
    ])
  })
})
