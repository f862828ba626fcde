/**
 * One route from an error to its HTTP status: every code of every catalog, thrown the way its package throws
 * it, through a real Fastify app with the service's own error handler, answers with its catalog entry.
 */
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FaultModel } from '@tarmac/faults'
import { PostgresError, type PostgresErrorCode } from '@tarmac/postgres'
import { HttpError, installErrorHandler } from '@tarmac/service'
import { StartupError, type StartupErrorCode } from '@tarmac/startup'
import { faults as cliFaults } from '../packages/cli/src/faults.js'
import { AuthError, type AuthErrorCode } from '../services/auth/src/errors.js'
import { faults as authFaults } from '../services/auth/src/faults.js'
import { BackendError, type BackendErrorCode } from '../services/backend/src/errors.js'
import { faults as backendFaults } from '../services/backend/src/faults.js'
import { faults as frontendFaults } from '../services/frontend/src/faults.js'
import { ERROR_TABLES } from './error-tables.js'

/** Internals no client may read in a 5xx: a host, a port, a password. */
const INTERNALS = 'db.internal:5432 password=hunter2'

/** A fault of `code` as the package that owns it throws it. */
function thrown(owner: string, code: string): Error {
  const message = `failed at ${INTERNALS}`
  switch (owner) {
    case '@tarmac/backend':
      return new BackendError(code as BackendErrorCode, message)
    case '@tarmac/auth':
      return new AuthError(code as AuthErrorCode, message)
    case '@tarmac/postgres':
      return new PostgresError(code as PostgresErrorCode, message)
    case '@tarmac/startup':
      return new StartupError(code as StartupErrorCode, message)
    case '@tarmac/service':
    case '@tarmac/frontend':
      return new HttpError(code, message)
    default:
      return Object.assign(new Error(message), { code })
  }
}

const SERVICES: readonly (readonly [string, FaultModel])[] = [
  ['backend', backendFaults],
  ['auth', authFaults],
  ['frontend', frontendFaults],
  ['cli (its model, served the same way)', cliFaults],
]

describe.each(SERVICES)("%s: a thrown fault's HTTP status is its catalog entry's", (_name, faults) => {
  let base = ''
  const app = Fastify()
  beforeAll(async () => {
    installErrorHandler(app, faults)
    app.get<{ Params: { code: string } }>('/fault/:code', async (request) => {
      const fault = faults.lookup(request.params.code)!
      throw thrown(fault.owner, fault.code)
    })
    base = await app.listen({ port: 0, host: '127.0.0.1' })
  })
  afterAll(() => app.close())

  it('walks every code of every catalog in the model: status, code shown, Retry-After, no internals', async () => {
    expect(faults.codes.length).toBeGreaterThan(50)
    let reachingHttp = 0
    for (const code of faults.codes) {
      const entry = faults.lookup(code)!
      const response = await fetch(`${base}/fault/${code}`)
      const body = (await response.json()) as { code: string; message: string }
      if (entry.status === undefined) {
        // A code its catalog does not send to HTTP reaching it anyway is a bug: 500, nothing shown.
        expect([response.status, body.code], code).toEqual([500, 'INTERNAL'])
      } else {
        reachingHttp++
        const shown = faults.lookup(entry.answersAs ?? code)!
        expect([response.status, body.code], code).toEqual([entry.status, shown.code])
        const retryAfterS = entry.retryAfterS ?? shown.retryAfterS
        expect(response.headers.get('retry-after'), code).toBe(
          retryAfterS === undefined ? null : String(retryAfterS),
        )
      }
      if (response.status >= 500 && !(thrown(entry.owner, code) instanceof HttpError))
        expect(body.message, code).not.toContain('hunter2')
    }
    expect(reachingHttp).toBeGreaterThan(10)
  })
})

describe('coverage', () => {
  it('every catalog a README documents is in some service model walked above', () => {
    const walked = new Set(SERVICES.flatMap(([, faults]) => faults.catalogs.map((c) => c.owner)))
    for (const { catalog } of ERROR_TABLES) expect(walked.has(catalog.owner), catalog.owner).toBe(true)
  })
})
