import { describe, expect, it } from 'vitest'
import { isTransientPostgresError, toPostgresError } from './classify.js'
import { PostgresError, isRetryablePostgresError, redactUrl } from './errors.js'

function probeError(code: string, phase: string, sqlState?: string): Error {
  return Object.assign(new Error(`probe failed: ${code}`), { code, phase, sqlState })
}

describe('toPostgresError', () => {
  it.each([
    ['TIMEOUT', 'tcp', undefined, 'PG_ERR_TIMEOUT', true],
    ['TCP_REFUSED', 'tcp', undefined, 'PG_ERR_UNREACHABLE', true],
    ['DNS_NOT_FOUND', 'dns', undefined, 'PG_ERR_HOST_NOT_FOUND', false],
    ['PG_AUTH_FAILED', 'auth', '28P01', 'PG_ERR_AUTH_FAILED', false],
    ['PG_TOO_MANY_CONNECTIONS', 'auth', '53300', 'PG_ERR_TOO_MANY_CONNECTIONS', true],
    ['PG_STARTING_UP', 'auth', '57P03', 'PG_ERR_STARTING_UP', true],
    ['PG_DB_NOT_FOUND', 'auth', '3D000', 'PG_ERR_DATABASE_NOT_FOUND', false],
    ['TLS_HANDSHAKE_FAILED', 'tls', undefined, 'PG_ERR_TLS_FAILED', false],
    ['TCP_RESET', 'tcp', undefined, 'PG_ERR_CONNECTION_LOST', true],
    ['SOCKET_NOT_FOUND', 'socket', undefined, 'PG_ERR_SOCKET_NOT_FOUND', false],
    ['SOMETHING_NEW', 'tcp', undefined, 'PG_ERR_CONNECT_FAILED', true],
  ])(
    'maps probe class %s to its code, keeping class, phase and cause',
    (cls, phase, sqlState, code, retryable) => {
      const original = probeError(cls, phase, sqlState)
      const error = toPostgresError(original)
      expect(error).toMatchObject({ code, retryable, errorClass: cls, phase, sqlState })
      expect(error.cause).toBe(original)
      expect(isRetryablePostgresError(error)).toBe(retryable)
    },
  )

  it('maps pg server errors by SQLSTATE and Node socket errors by errno', () => {
    const server = Object.assign(new Error('boom'), { code: '42601' })
    expect(toPostgresError(server)).toMatchObject({ code: 'PG_ERR_QUERY_FAILED', sqlState: '42601' })
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    expect(toPostgresError(refused, { phase: 'tcp' })).toMatchObject({
      code: 'PG_ERR_UNREACHABLE',
      phase: 'tcp',
    })
    expect(toPostgresError(new Error('Connection terminated unexpectedly')).code).toBe(
      'PG_ERR_CONNECTION_LOST',
    )
  })

  it('passes a PostgresError through and never calls a foreign error retryable', () => {
    const own = new PostgresError('PG_ERR_TIMEOUT', 'slow')
    expect(toPostgresError(own)).toBe(own)
    expect(isRetryablePostgresError(new Error('x'))).toBe(false)
  })

  it('redacts passwords from messages', () => {
    const error = toPostgresError(new Error('cannot reach postgres://app:s3cret@db:5432/x'))
    expect(error.message).not.toContain('s3cret')
    expect(redactUrl('postgres://db/x?password=s3cret')).not.toContain('s3cret')
  })
})

describe('isTransientPostgresError', () => {
  it('is true for conditions that pass by themselves, found through the cause chain', () => {
    const tooMany = Object.assign(new Error('sorry, too many clients already'), { code: '53300' })
    expect(isTransientPostgresError(tooMany)).toBe(true)
    expect(isTransientPostgresError(new Error('self-test failed', { cause: tooMany }))).toBe(true)
    expect(isTransientPostgresError(Object.assign(new Error('starting'), { code: '57P03' }))).toBe(true)
    expect(isTransientPostgresError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true)
    expect(isTransientPostgresError(new PostgresError('PG_ERR_POOL_EXHAUSTED', 'busy'))).toBe(true)
  })

  it("is true for pg's codeless connection-ending errors, which map to a 503 code", () => {
    for (const message of ['Connection terminated unexpectedly', 'Query read timeout']) {
      expect(isTransientPostgresError(new Error(message)), message).toBe(true)
      expect(toPostgresError(new Error(message)).retryable, message).toBe(true)
    }
    expect(isTransientPostgresError(new TypeError('pool.query is not a function'))).toBe(false)
  })

  it('is false for what will not get better, and for errors without a database code', () => {
    expect(isTransientPostgresError(Object.assign(new Error('auth'), { code: '28P01' }))).toBe(false)
    expect(isTransientPostgresError(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false)
    expect(isTransientPostgresError(new PostgresError('PG_ERR_DATABASE_NOT_FOUND', 'no db'))).toBe(false)
    expect(isTransientPostgresError(new Error('a bug'))).toBe(false)
    expect(isTransientPostgresError(undefined)).toBe(false)
  })
})
