import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createFaultModel } from './fault-model.js'
import { defineFaults } from './fault-spec.js'
import { isProgrammingError, programmingErrorCode } from './programming-error.js'

/** What the code threw, caught. */
function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('did not throw')
}

/** A port nothing listens on: bound, then closed. */
async function refusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('isProgrammingError', () => {
  it("holds for JavaScript's own errors thrown by wrong code", () => {
    const notAConstructor = thrown(() => new (undefined as unknown as new () => object)())
    const notDefined = thrown(() => (globalThis as unknown as { run: () => void }).run())
    const unparsable = thrown(() => JSON.parse('<html>'))
    const missingName = thrown(() => eval('nowhere + 1'))
    for (const error of [notAConstructor, notDefined, unparsable, missingName])
      expect(isProgrammingError(error)).toBe(true)
    expect(programmingErrorCode(unparsable)).toBe('SyntaxError')
  })

  it("holds for Node's argument errors (ERR_… codes)", () => {
    const wrongType = thrown(() => Buffer.from(42 as unknown as string))
    const badUrl = thrown(() => new URL('not a url'))
    expect(wrongType).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
    expect(isProgrammingError(wrongType)).toBe(true)
    expect(isProgrammingError(badUrl)).toBe(true)
    expect(programmingErrorCode(wrongType)).toBe('ERR_INVALID_ARG_TYPE')
  })

  it("does not hold for fetch's `TypeError: fetch failed` on a refused port: the cause is the network", async () => {
    const port = await refusedPort()
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed' })
    expect((error as { cause: { code: string } }).cause.code).toBe('ECONNREFUSED')
    expect(isProgrammingError(error)).toBe(false)
  })

  it('holds for a wrapper whose cause is a programming error (fetch of an unparsable URL)', async () => {
    const error = await fetch('not a url').catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'TypeError' })
    expect(isProgrammingError(error)).toBe(true)
  })

  it('does not hold for other errors, network codes, or records without a name', () => {
    expect(isProgrammingError(new Error('boom'))).toBe(false)
    expect(isProgrammingError(new RangeError('too big'))).toBe(false)
    expect(isProgrammingError(Object.assign(new TypeError('socket'), { code: 'ECONNRESET' }))).toBe(false)
    expect(isProgrammingError(Object.assign(new TypeError('x'), { code: 'UND_ERR_SOCKET' }))).toBe(false)
    expect(isProgrammingError(new TypeError('wrapped', { cause: 'a string' }))).toBe(false)
    expect(isProgrammingError({ code: 'TypeError', message: 'recorded in a report' })).toBe(false)
    expect(isProgrammingError(undefined)).toBe(false)
  })
})

describe('the fault model on programming errors', () => {
  const NET = defineFaults('net', {
    ECONNREFUSED: { domain: 'infrastructure', layer: 'tcp', meaning: 'refused', action: 'start it' },
    APP_DECLARED: { domain: 'configuration', layer: 'application', meaning: 'declared', action: 'read it' },
  })
  const faults = createFaultModel(NET)

  it('judges a programming error `application`, by the rule', () => {
    expect(faults.classify(new TypeError('Redis is not a constructor'))).toEqual({
      domain: 'application',
      layer: 'application',
      code: 'TypeError',
      basis: 'programming-error',
    })
    expect(faults.annotate(new ReferenceError('x is not defined'))).toEqual({
      domain: 'application',
      layer: 'application',
    })
  })

  it('judges `fetch failed` by its cause, and a declared code by its declaration', async () => {
    const port = await refusedPort()
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)
    expect(faults.classify(error)).toEqual({
      domain: 'infrastructure',
      layer: 'tcp',
      code: 'ECONNREFUSED',
      basis: 'cause',
    })
    const declared = Object.assign(new TypeError('declared'), { code: 'APP_DECLARED' })
    expect(faults.classify(declared)).toMatchObject({ domain: 'configuration', basis: 'declared' })
  })
})
