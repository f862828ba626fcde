/**
 * Which README documents which fault catalog, and with which extra columns. `npm run docs:errors` writes the
 * tables; `scripts/error-tables.test.ts` fails when one is stale or a catalog is invalid.
 */
import { CONNECTOR_FAULTS } from '@tarmac/connector/faults'
import { pickFaults, type FaultCatalog } from '@tarmac/faults'
import { HEALTH_FAULTS } from '@tarmac/health/faults'
import { POSTGRES_FAULTS } from '@tarmac/postgres/faults'
import { PROBE_FAULTS } from '@tarmac/probe/faults'
import { SERVICE_FAULTS } from '@tarmac/service'
import { STARTUP_FAULTS } from '@tarmac/startup'
import { CLI_FAULTS, DEPLOY_FAULTS } from '../packages/cli/src/errors.js'
import { AUTH_FAULTS, SHARED_ERROR_CODES_USED as AUTH_SHARED } from '../services/auth/src/errors.js'
import { BACKEND_FAULTS, SHARED_ERROR_CODES_USED as BACKEND_SHARED } from '../services/backend/src/errors.js'
import { FRONTEND_FAULTS } from '../services/frontend/src/errors.js'
import type { ErrorTableColumn } from './error-table.js'

export interface ErrorTable {
  readonly readme: string
  readonly catalog: FaultCatalog
  readonly extra?: readonly ErrorTableColumn[]
}

const textColumn = (header: string, field: string): ErrorTableColumn => ({
  header,
  cell: (spec) => (typeof spec[field] === 'string' ? spec[field] : '—'),
})

export const ERROR_TABLES: readonly ErrorTable[] = [
  { readme: 'packages/startup/README.md', catalog: STARTUP_FAULTS },
  { readme: 'packages/probe/README.md', catalog: PROBE_FAULTS, extra: [textColumn('phases', 'phases')] },
  {
    readme: 'packages/postgres/README.md',
    catalog: POSTGRES_FAULTS,
    extra: [{ header: 'retryable', cell: (spec) => (spec.retryable === true ? 'yes' : 'no') }],
  },
  { readme: 'packages/health/README.md', catalog: HEALTH_FAULTS },
  { readme: 'packages/connector/README.md', catalog: CONNECTOR_FAULTS },
  { readme: 'packages/service/README.md', catalog: SERVICE_FAULTS },
  { readme: 'packages/cli/README.md', catalog: CLI_FAULTS },
  { readme: 'packages/cli/README.md', catalog: DEPLOY_FAULTS },
  { readme: 'services/backend/README.md', catalog: BACKEND_FAULTS, extra: [textColumn('where', 'where')] },
  { readme: 'services/backend/README.md', catalog: pickFaults(SERVICE_FAULTS, BACKEND_SHARED) },
  { readme: 'services/auth/README.md', catalog: AUTH_FAULTS },
  { readme: 'services/auth/README.md', catalog: pickFaults(SERVICE_FAULTS, AUTH_SHARED) },
  { readme: 'services/frontend/README.md', catalog: FRONTEND_FAULTS },
]
