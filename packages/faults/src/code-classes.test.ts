import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { classOfCode, SQLSTATE_CLASSES } from './code-classes.js'
import { createFaultModel } from './fault-model.js'
import { defineFaults } from './fault-spec.js'
import { isProgrammingError } from './programming-error.js'

// A model that declares none of the codes below: every verdict here comes from the code's class.
const faults = createFaultModel(
  defineFaults('test', {
    DECLARED_42: { domain: 'configuration', layer: 'application', meaning: 'declared', action: 'read it' },
  }),
)

async function refusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('every code has a class: SQLSTATEs', () => {
  it.each([
    ['42P05', 'application', 'application'], // duplicate prepared statement: a statement the application sent
    ['42P01', 'application', 'application'], // undefined table
    ['23505', 'application', 'application'], // unique violation
    ['40P01', 'application', 'application'], // deadlock
    ['40001', 'application', 'application'], // serialization failure
    ['08006', 'infrastructure', 'tcp'], // connection failure
    ['08P01', 'infrastructure', 'tcp'], // protocol violation
    ['53100', 'infrastructure', 'postgres-availability'], // disk full: not a slot, the server cannot work
    ['53200', 'infrastructure', 'postgres-availability'], // out of memory
    ['53300', 'infrastructure', 'postgres-capacity'], // too many connections
    ['57P01', 'infrastructure', 'postgres-availability'], // admin shutdown
    ['57P03', 'infrastructure', 'postgres-availability'], // cannot connect now
    ['28P01', 'configuration', 'postgres-auth'], // invalid password
    ['28000', 'configuration', 'postgres-auth'],
    ['3D000', 'configuration', 'postgres-auth'], // no such database
    ['42501', 'configuration', 'postgres-auth'], // insufficient privilege: a grant someone set
    ['XX000', 'infrastructure', 'postgres-availability'], // internal error
    ['XX001', 'infrastructure', 'postgres-availability'], // data corrupted
  ])('%s → %s / %s (basis class)', (code, domain, layer) => {
    expect(faults.classify({ code })).toEqual({ domain, layer, code, basis: 'class' })
  })

  it('judges a pg-style error object (code, no name) by the class of its SQLSTATE', () => {
    const error = Object.assign(new Error('prepared statement "s1" already exists'), { code: '42P05' })
    expect(faults.classify(error)).toMatchObject({
      domain: 'application',
      layer: 'application',
      basis: 'class',
    })
  })

  it('leaves a declared code to its declaration, and a code of no known class unknown', () => {
    expect(faults.classify({ code: 'DECLARED_42' })).toMatchObject({
      domain: 'configuration',
      basis: 'declared',
    })
    expect(faults.classify({ code: 'ZZ999' })).toMatchObject({ domain: 'unknown', basis: 'undeclared' })
    expect(faults.classify({ code: 'SOMETHING_ELSE' })).toMatchObject({
      domain: 'unknown',
      basis: 'undeclared',
    })
    expect(faults.classify({ code: 'ERROR' })).toMatchObject({ domain: 'unknown' })
  })

  it('names every class it knows by its two characters', () => {
    for (const [prefix, verdict] of Object.entries(SQLSTATE_CLASSES))
      expect(verdict.name, prefix).toBe(`SQLSTATE ${prefix}`)
  })
})

describe('every code has a class: programming errors as a report records them', () => {
  it.each(['TypeError', 'ReferenceError', 'SyntaxError', 'ERR_INVALID_ARG_TYPE', 'ERR_MODULE_NOT_FOUND'])(
    '%s → application / application',
    (code) => {
      expect(faults.classify({ code, message: 'x is not a function' })).toEqual({
        domain: 'application',
        layer: 'application',
        code,
        basis: 'class',
      })
    },
  )
})

describe('every code has a class: network codes', () => {
  it.each([
    ['ECONNREFUSED', 'tcp'],
    ['ECONNRESET', 'tcp'],
    ['ETIMEDOUT', 'tcp'],
    ['EHOSTUNREACH', 'tcp'],
    ['EPIPE', 'tcp'],
    ['UND_ERR_CONNECT_TIMEOUT', 'tcp'],
    ['UND_ERR_SOCKET', 'tcp'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
  ])('%s → infrastructure / %s', (code, layer) => {
    expect(classOfCode(code)).toMatchObject({ domain: 'infrastructure', layer })
    expect(faults.classify({ code })).toMatchObject({ domain: 'infrastructure', layer, basis: 'class' })
  })

  it("judges a real `fetch failed` on a refused port by its cause's class: infrastructure / tcp", async () => {
    const port = await refusedPort()
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)
    expect(faults.classify(error)).toEqual({
      domain: 'infrastructure',
      layer: 'tcp',
      code: 'ECONNREFUSED',
      basis: 'cause',
    })
  })

  it('judges a bare `TypeError: fetch failed` (its cause lost) as the network, never the application', () => {
    const bare = new TypeError('fetch failed')
    expect(isProgrammingError(bare)).toBe(false)
    expect(faults.classify(bare)).toEqual({
      domain: 'infrastructure',
      layer: 'tcp',
      code: 'fetch failed',
      basis: 'class',
    })
    // Recorded in a report, as `errorCodeOf` writes it: the same.
    expect(faults.classify({ code: 'TypeError', message: 'fetch failed' })).toMatchObject({
      domain: 'infrastructure',
      layer: 'tcp',
    })
    // A `TypeError` of the code itself is still the application's.
    expect(faults.classify(new TypeError('x.map is not a function'))).toMatchObject({
      domain: 'application',
      basis: 'programming-error',
    })
  })
})
