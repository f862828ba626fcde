import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { HEALTH_ERROR_CODES, HealthError } from './errors.js'

describe('errors', () => {
  it('documents every code in the package README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    for (const code of HEALTH_ERROR_CODES) expect(readme, code).toContain(`\`${code}\``)
  })

  it('keeps the cause and the status code', () => {
    const cause = new Error('root')
    const error = new HealthError('HEALTH_ERR_UNKNOWN_COMPONENT', 'x', { cause, statusCode: 404 })
    expect(error.cause).toBe(cause)
    expect(error.statusCode).toBe(404)
    expect(error.code).toBe('HEALTH_ERR_UNKNOWN_COMPONENT')
  })
})
