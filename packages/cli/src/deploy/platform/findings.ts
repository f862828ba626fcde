import type { DeployFaultCode } from '../../errors.js'

/** How what runs compares with the plan: as planned, differently, or not known (the platform did not say). */
export const FINDING_STATUSES = ['ok', 'drift', 'unknown'] as const
export type FindingStatus = (typeof FINDING_STATUSES)[number]

/**
 * One line of `tarmac deploy verify`: a setting of a resource, what the plan says, what runs, and for a drift
 * why it matters in a cold-start storm and the fix (a command, or a change to the plan).
 */
export interface PlatformFinding {
  /** `cloud-run tarmac-backend`, `cloud-run revision tarmac-backend-00007-xoq (100%)`, `vpc-connector tarmac`… */
  readonly resource: string
  /** The setting: `DB_CONNECT_TIMEOUT_MS`, `image`, `max_connections`, `state`… */
  readonly subject: string
  readonly status: FindingStatus
  readonly plan?: string
  readonly live: string
  readonly why?: string
  readonly fix?: string
  /** A drift's `DEPLOY_FAULTS` code: its domain and layer are what `diagnose --platform` weighs. */
  readonly code?: DeployFaultCode
  /** The planned service the resource runs, when it runs one. */
  readonly service?: string
}

export const ok = (
  resource: string,
  subject: string,
  live: string,
  extra: Partial<PlatformFinding> = {},
): PlatformFinding => ({ resource, subject, status: 'ok', live, ...extra })

export const drift = (
  resource: string,
  subject: string,
  fields: { plan: string; live: string; why: string; fix: string; code: DeployFaultCode; service?: string },
): PlatformFinding => ({ resource, subject, status: 'drift', ...fields })

export const unknown = (
  resource: string,
  subject: string,
  live: string,
  why: string,
  extra: Partial<PlatformFinding> = {},
): PlatformFinding => ({ resource, subject, status: 'unknown', live, why, ...extra })

/** True when nothing drifted (unknowns are reported, not failed on). */
export const matches = (findings: readonly PlatformFinding[]) => findings.every((f) => f.status !== 'drift')
