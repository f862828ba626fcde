import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { Deadline } from './deadline.js'
import type { PhaseClock } from './phase-clock.js'

export interface ResolvedAddress {
  address: string
  family: number
}

/** `[::1]` (as in a URL) → `::1`. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

/**
 * Resolves `host` with the system resolver (`dns.lookup`, all addresses) and laps the clock from
 * `dns` to `tcp`. An IP literal needs no lookup: `dns` is recorded as 0. `dns.lookup` cannot be
 * cancelled (it runs on libuv's thread pool), so it is raced against the deadline instead.
 */
export async function resolveHost(
  host: string,
  deadline: Deadline,
  clock: PhaseClock,
): Promise<ResolvedAddress[]> {
  const bare = bareHost(host)
  const family = isIP(bare)
  if (family !== 0) {
    clock.skip('dns', 'tcp')
    return [{ address: bare, family }]
  }
  const addresses = await deadline.guard(
    lookup(bare, { all: true }),
    () => 'dns',
    () => undefined,
  )
  if (addresses.length === 0) {
    throw Object.assign(new Error(`${bare} resolved to no address`), { code: 'ENOTFOUND' })
  }
  clock.lap('tcp')
  return addresses
}
