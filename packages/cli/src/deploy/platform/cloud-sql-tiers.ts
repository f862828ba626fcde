import type { CloudSqlInstance } from './platform-answers.js'

/**
 * Cloud SQL for PostgreSQL sets `max_connections` from the instance's memory when the `max_connections` flag is
 * unset — "Quotas and limits", Cloud SQL for PostgreSQL, "Maximum concurrent connections"
 * (https://cloud.google.com/sql/docs/postgres/quotas; the same table is in the Cloud SQL for PostgreSQL FAQ,
 * https://cloud.google.com/sql/docs/postgres/faq): memory in GiB → the default. Each row holds from its memory up
 * to the next row's. docs/deploy.md repeats the table; change both together.
 */
export const MAX_CONNECTIONS_BY_MEMORY_GIB: readonly (readonly [fromGiB: number, maxConnections: number])[] =
  [
    [0, 25], // tiny (db-f1-micro, ~0.6 GiB)
    [1.7, 50], // small (db-g1-small, ~1.7 GiB)
    [3.75, 100],
    [6, 200],
    [7.5, 400],
    [15, 500],
    [30, 600],
    [60, 800],
    [120, 1_000],
  ]

/** Memory of the shared-core and predefined tiers, in GiB (Cloud SQL "Machine types"). */
const FIXED_TIERS: Readonly<Record<string, number>> = { 'db-f1-micro': 0.6, 'db-g1-small': 1.7 }
const PER_VCPU_GIB: Readonly<Record<string, number>> = { standard: 3.75, highmem: 6.5 }

/** A tier's memory in GiB: `db-custom-<vCPUs>-<MiB>`, `db-n1-standard-<n>`, `db-n1-highmem-<n>`, the shared cores. */
export function tierMemoryGiB(tier: string): number | null {
  if (FIXED_TIERS[tier] !== undefined) return FIXED_TIERS[tier]
  const custom = /^db-custom-(\d+)-(\d+)$/.exec(tier)
  if (custom) return Number(custom[2]) / 1024
  const n1 = /^db-n1-(standard|highmem)-(\d+)$/.exec(tier)
  if (n1) return PER_VCPU_GIB[n1[1]!]! * Number(n1[2])
  return null
}

/** The documented default for a tier, or null for a tier whose memory this table cannot tell. */
export function defaultMaxConnections(tier: string): number | null {
  const memory = tierMemoryGiB(tier)
  if (memory === null) return null
  let value = MAX_CONNECTIONS_BY_MEMORY_GIB[0]![1]
  for (const [fromGiB, maxConnections] of MAX_CONNECTIONS_BY_MEMORY_GIB)
    if (memory >= fromGiB) value = maxConnections
  return value
}

/** What `max_connections` is on an instance, and where the number comes from. */
export type MaxConnections =
  | { readonly value: number; readonly from: 'flag' | 'tier default'; readonly tier: string }
  | { readonly value: null; readonly from: 'unknown'; readonly tier: string }

/** The `max_connections` flag when set, else the tier's documented default. */
export function maxConnectionsOf(instance: CloudSqlInstance): MaxConnections {
  const { tier } = instance.settings
  const flag = instance.settings.databaseFlags?.find((f) => f.name === 'max_connections')?.value
  if (flag !== undefined && /^\d+$/.test(flag)) return { value: Number(flag), from: 'flag', tier }
  const value = defaultMaxConnections(tier)
  return value === null ? { value, from: 'unknown', tier } : { value, from: 'tier default', tier }
}
