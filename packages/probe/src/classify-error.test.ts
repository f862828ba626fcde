import type { FaultSpec } from '@tarmac/faults'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { classifyError } from './classify-error.js'
import { PROBE_ERROR_CLASSES, PROBE_FAULTS, ProbeError } from './errors.js'

function serverError(sqlState: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error')
  error.code = sqlState
  error.severity = 'FATAL'
  return error
}

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code })
}

describe('classifyError', () => {
  // 57P03 needs a server caught mid-startup; the mapping is checked with pg's own DatabaseError instead.
  it.each([
    ['28P01', 'PG_AUTH_FAILED'],
    ['28000', 'PG_AUTH_FAILED'],
    ['53300', 'PG_TOO_MANY_CONNECTIONS'],
    ['57P03', 'PG_STARTING_UP'],
    ['3D000', 'PG_DB_NOT_FOUND'],
    ['42501', 'PG_ERROR'],
  ])('maps SQLSTATE %s to %s and keeps the SQLSTATE', (sqlState, errorClass) => {
    const failure = classifyError(serverError(sqlState, 'the database system is starting up'), 'auth')
    expect(failure).toMatchObject({ class: errorClass, phase: 'auth', sqlState })
  })

  it.each([
    ['ENOTFOUND', 'dns', 'DNS_NOT_FOUND'],
    ['EAI_AGAIN', 'dns', 'DNS_TIMEOUT'],
    ['ECONNREFUSED', 'tcp', 'TCP_REFUSED'],
    ['EHOSTUNREACH', 'tcp', 'TCP_UNREACHABLE'],
    ['ENOENT', 'socket', 'SOCKET_NOT_FOUND'],
    ['ETIMEDOUT', 'socket', 'TCP_TIMEOUT'],
    ['ECONNRESET', 'auth', 'TCP_RESET'],
    ['EPIPE', 'ttfb', 'TCP_RESET'],
    ['ETIMEDOUT', 'tcp', 'TCP_TIMEOUT'],
    ['ETIMEDOUT', 'dns', 'DNS_TIMEOUT'],
    ['ETIMEDOUT', 'auth', 'TIMEOUT'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls', 'TLS_FAILED'],
    ['CERT_HAS_EXPIRED', 'ssl', 'TLS_FAILED'],
    ['HPE_INVALID_CONSTANT', 'ttfb', 'PROTOCOL_ERROR'],
    ['EWHATEVER', 'auth', 'UNKNOWN'],
  ] as const)('maps %s during %s to %s', (code, phase, errorClass) => {
    expect(classifyError(systemError(code), phase)).toMatchObject({ class: errorClass, phase, code })
  })

  it('treats a server that hangs up during startup as a reset', () => {
    expect(classifyError(new Error('Connection terminated unexpectedly'), 'auth').class).toBe('TCP_RESET')
  })

  it("treats pg's own connect timer as a timeout of the phase in progress", () => {
    expect(classifyError(new Error('timeout expired'), 'auth').class).toBe('TIMEOUT')
  })

  it('keeps the class and phase of a ProbeError', () => {
    const error = new ProbeError('TIMEOUT', 'slow', { phase: 'ssl', cause: systemError('ABORT_ERR') })
    expect(classifyError(error, 'auth')).toEqual({
      class: 'TIMEOUT',
      phase: 'ssl',
      message: 'slow',
      code: 'ABORT_ERR',
    })
  })

  it('classifies non-errors as UNKNOWN without throwing', () => {
    expect(classifyError('boom', 'dns')).toEqual({ class: 'UNKNOWN', phase: 'dns', message: 'boom' })
  })
})

describe('every error class is declared in the fault catalog', () => {
  it('with a domain and a layer, or as deferring to its cause', () => {
    for (const errorClass of PROBE_ERROR_CLASSES) {
      const spec: FaultSpec = PROBE_FAULTS.specs[errorClass]
      expect(
        spec.defers === true || (spec.domain !== undefined && spec.layer !== undefined),
        errorClass,
      ).toBe(true)
    }
    expect(PROBE_FAULTS.specs.TCP_TIMEOUT).toMatchObject({ domain: 'infrastructure', layer: 'tcp' })
    expect(PROBE_FAULTS.specs.PG_TOO_MANY_CONNECTIONS).toMatchObject({
      domain: 'infrastructure',
      layer: 'postgres-capacity',
    })
    expect(PROBE_FAULTS.specs.PG_STARTING_UP).toMatchObject({
      domain: 'infrastructure',
      layer: 'postgres-availability',
    })
    expect(PROBE_FAULTS.specs.PG_AUTH_FAILED).toMatchObject({
      domain: 'configuration',
      layer: 'postgres-auth',
    })
    expect(PROBE_FAULTS.specs.PG_DB_NOT_FOUND).toMatchObject({
      domain: 'configuration',
      layer: 'postgres-auth',
    })
    expect(PROBE_FAULTS.specs.UNKNOWN).toMatchObject({ defers: true })
  })
})
