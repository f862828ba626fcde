import { describe, expect, it } from 'vitest'
import { createFaultModel } from './fault-model.js'
import { defineFaults } from './fault-spec.js'

const DB = defineFaults('db', {
  DB_FULL: {
    domain: 'infrastructure',
    layer: 'postgres-capacity',
    status: 503,
    meaning: 'no slots',
    action: 'wait',
  },
  DB_PASSWORD: {
    domain: 'configuration',
    layer: 'postgres-auth',
    meaning: 'wrong password',
    action: 'fix it',
  },
})
const ENGINE = defineFaults('engine', {
  TIMED_OUT: {
    defers: true,
    domain: 'infrastructure',
    layer: 'startup',
    meaning: 'too slow',
    action: 'see cause',
  },
  WRAPPED: { defers: true, meaning: 'something failed', action: 'see cause' },
})
const faults = createFaultModel(DB, ENGINE)

describe('createFaultModel', () => {
  it('classifies a declared code by its spec', () => {
    expect(faults.classify(Object.assign(new Error('x'), { code: 'DB_FULL' }))).toEqual({
      domain: 'infrastructure',
      layer: 'postgres-capacity',
      code: 'DB_FULL',
      basis: 'declared',
    })
    expect(faults.lookup('DB_PASSWORD')).toMatchObject({ owner: 'db', domain: 'configuration' })
  })

  it('follows the cause of a deferring code, and falls back to its own spec without one', () => {
    const cause = Object.assign(new Error('pw'), { code: 'DB_PASSWORD' })
    const timedOut = Object.assign(new Error('slow', { cause }), { code: 'TIMED_OUT' })
    expect(faults.classify(timedOut)).toMatchObject({
      domain: 'configuration',
      code: 'DB_PASSWORD',
      basis: 'cause',
    })
    expect(faults.classify({ code: 'TIMED_OUT' })).toMatchObject({
      domain: 'infrastructure',
      layer: 'startup',
      basis: 'fallback',
    })
    expect(faults.classify({ code: 'WRAPPED' })).toMatchObject({ domain: 'unknown', basis: 'undeclared' })
  })

  it('trusts a producer annotation, and never guesses what no catalog declares', () => {
    expect(faults.classify({ code: 'THEIRS', domain: 'application', layer: 'pool' })).toMatchObject({
      domain: 'application',
      layer: 'pool',
      basis: 'annotation',
    })
    // No catalog and no class (SQLSTATE, network errno) knows it: unknown, never a guess.
    expect(faults.classify({ code: 'NOT_A_KNOWN_CODE' })).toEqual({
      domain: 'unknown',
      layer: 'unknown',
      code: 'NOT_A_KNOWN_CODE',
      basis: 'undeclared',
    })
    expect(faults.classify(undefined)).toMatchObject({ domain: 'unknown', basis: 'none' })
    expect(faults.annotate({ code: 'DB_FULL' })).toEqual({
      domain: 'infrastructure',
      layer: 'postgres-capacity',
    })
    expect(faults.annotate({ code: 'NOPE' })).toEqual({})
  })

  it('refuses invalid specs and codes declared twice in different ways', () => {
    expect(() =>
      defineFaults('bad', { X: { domain: 'network', layer: 'tcp', meaning: 'm', action: 'a' } as never }),
    ).toThrow(/X: domain must be application, infrastructure or configuration/)
    expect(() =>
      defineFaults('bad', {
        Y: { domain: 'application', layer: 'kernel', meaning: '', action: 'a' } as never,
      }),
    ).toThrow(/Y: meaning is required[\s\S]*layer kernel is not in FAULT_LAYERS/)
    const other = defineFaults('other', {
      DB_FULL: { domain: 'application', layer: 'pool', meaning: 'm', action: 'a' },
    })
    expect(() => createFaultModel(DB, other)).toThrow(/DB_FULL is declared by db and, differently, by other/)
  })
  it('checks that a code answering as another shares its status, and that answersAs and retryAfterS sit beside a status', () => {
    const shared = defineFaults('kit', {
      UNAVAILABLE: { status: 503, domain: 'infrastructure', layer: 'tcp', meaning: 'm', action: 'a' },
    })
    const own = (status: number) =>
      defineFaults('own', {
        OWN_DOWN: {
          status,
          answersAs: 'UNAVAILABLE',
          domain: 'infrastructure',
          layer: 'tcp',
          meaning: 'm',
          action: 'a',
        },
      })
    expect(createFaultModel(shared, own(503)).lookup('OWN_DOWN')).toMatchObject({ answersAs: 'UNAVAILABLE' })
    // Alone, the target is not there to compare with: the catalog is still valid.
    expect(createFaultModel(own(500)).codes).toEqual(['OWN_DOWN'])
    expect(() => createFaultModel(shared, own(500))).toThrow(
      /OWN_DOWN answers as UNAVAILABLE, which answers with 503, not 500/,
    )
    expect(() =>
      defineFaults('bad', {
        Z: {
          answersAs: 'UNAVAILABLE',
          retryAfterS: 0,
          domain: 'application',
          layer: 'client',
          meaning: 'm',
          action: 'a',
        },
      }),
    ).toThrow(/Z: answersAs needs the status[\s\S]*Z: retryAfterS is a whole number/)
  })
})
