import type { DeployFaultCode } from '../errors.js'

/** One verdict of `tarmac deploy check`: what was compared, with its numbers, and the fix when it fails. */
export interface FleetCheck {
  readonly check: string
  readonly passed: boolean
  /** Set when it failed: the `DEPLOY_FAULTS` code. */
  readonly code?: DeployFaultCode
  /** The comparison with every number in it. */
  readonly numbers: string
  /** When it failed: what to change, with the value that would fit. */
  readonly fix?: string
}
