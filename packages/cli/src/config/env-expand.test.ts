import { describe, expect, it } from 'vitest'
import { expandEnv } from './env-expand.js'

describe('expandEnv', () => {
  it('expands $NAME, ${NAME} and ${NAME:-default}; $$ is a dollar', () => {
    expect(expandEnv('$A-${B}-${C:-c}-$$', { A: 'a', B: 'b' })).toEqual({ value: 'a-b-c-$', missing: [] })
  })
  it('uses the default for an empty variable, and reports unset ones', () => {
    expect(expandEnv('${E:-d}', { E: '' }).value).toBe('d')
    expect(expandEnv('$X and ${Y}', {}).missing).toEqual(['X', 'Y'])
  })
})
