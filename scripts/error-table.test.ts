import { describe, expect, it } from 'vitest'
import { errorTableBlock, findErrorTableBlock, renderErrorTable, withErrorTable } from './error-table.js'
import { defineFaults } from '@tarmac/faults'

const CATALOG = defineFaults('pkg', {
  PKG_FULL: {
    domain: 'infrastructure',
    layer: 'postgres-capacity',
    status: 503,
    meaning: 'no slot | left',
    action: 'wait',
    retryable: true,
  },
  PKG_SLOW: {
    defers: true,
    domain: 'infrastructure',
    layer: 'startup',
    meaning: 'too slow',
    action: 'read the cause',
    retryable: false,
  },
  PKG_DOWN: {
    status: 503,
    answersAs: 'DEPENDENCY_UNAVAILABLE',
    retryAfterS: 5,
    domain: 'infrastructure',
    layer: 'tcp',
    meaning: 'refused',
    action: 'retry',
    retryable: true,
  },
})
const retryable = {
  header: 'retryable',
  cell: (spec: { retryable?: unknown }) => (spec.retryable ? 'yes' : 'no'),
}

describe('error tables generated from a catalog', () => {
  it('renders every code with status, domain, layer, extra columns, meaning and action', () => {
    const lines = renderErrorTable(CATALOG, [retryable]).split('\n')
    expect(lines[0]).toMatch(
      /^\| code +\| status +\| retryable \| domain +\| layer +\| meaning +\| what to do +\|$/,
    )
    expect(lines[2]).toMatch(
      /^\| `PKG_FULL` +\| 503 +\| yes +\| infrastructure +\| postgres-capacity +\| no slot \\\| left +\| wait +\|$/,
    )
    expect(lines[3]).toContain("| the cause's (else infrastructure) | the cause's (else startup)")
    expect(lines[4]).toMatch(/^\| `PKG_DOWN` +\| 503 as `DEPENDENCY_UNAVAILABLE` \| yes +\|/)
  })

  it('puts the block into a README and finds it again; a stale block no longer matches', () => {
    const readme = withErrorTable('# pkg\n\nText.\n', CATALOG)
    expect(readme).toContain('## Errors')
    expect(findErrorTableBlock(readme, 'pkg')).toBe(errorTableBlock(CATALOG))
    const stale = readme.replace('no slot', 'no seat')
    expect(findErrorTableBlock(stale, 'pkg')).not.toBe(errorTableBlock(CATALOG))
    expect(findErrorTableBlock(withErrorTable(stale, CATALOG), 'pkg')).toBe(errorTableBlock(CATALOG))
  })
})
