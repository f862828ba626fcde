import type { Queryable } from './queryable.js'

/** A run lease this instance holds: the user message it answers and the run answering it. */
export interface RunLease {
  readonly messageId: string
  readonly threadId: string
  readonly userId: string
  readonly runId: string
  /** 1 for the first run on the message, more for each takeover. */
  readonly attempts: number
}

export interface RunLeasesOptions {
  /** Names this process in `owner_instance` (host, pid and a random part: unique across restarts). */
  readonly instanceId: string
  /** A lease not renewed for this long is presumed dead and may be taken over. */
  readonly leaseMs: number
}

interface LeaseRow {
  message_id: string
  thread_id: string
  user_id: string
  run_id: string
  attempts: number
}
const toLease = (row: LeaseRow): RunLease => ({
  messageId: row.message_id,
  threadId: row.thread_id,
  userId: row.user_id,
  runId: row.run_id,
  attempts: row.attempts,
})
const RETURNING = 'returning message_id, thread_id, user_id, run_id, attempts'

/**
 * Run leases in Postgres (`chat_run_leases`), the one record every instance reads of which run answers which user
 * message. A row exists while a run is alive; its owner renews it on a heartbeat; past its expiry any instance
 * may take it over. Every transition is one statement, decided by the database's clock (`now()`), so two
 * instances never both believe they hold a lease and clocks of the instances do not matter.
 */
export class RunLeases {
  readonly #db: Queryable
  readonly #instanceId: string
  readonly #leaseMs: number

  constructor(db: Queryable, options: RunLeasesOptions) {
    this.#db = db
    this.#instanceId = options.instanceId
    this.#leaseMs = options.leaseMs
  }

  get instanceId(): string {
    return this.#instanceId
  }

  /** How long a lease lasts unrenewed: a new message's lease is written with it (`ChatStore.addUserMessage`). */
  get leaseMs(): number {
    return this.#leaseMs
  }

  /**
   * Takes the message's lease for run `runId`: true when this instance now holds it — no row, or the row's
   * lease expired (its owner died) — false when a live run of any instance is on the message.
   */
  async acquire(lease: Omit<RunLease, 'attempts'>): Promise<RunLease | undefined> {
    const { rows } = await this.#db.query<LeaseRow>({
      text: `insert into chat_run_leases
          (message_id, thread_id, user_id, run_id, owner_instance, lease_expires_at)
        values ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond')
        on conflict (message_id) do update set
          run_id = excluded.run_id, owner_instance = excluded.owner_instance,
          attempts = chat_run_leases.attempts + 1, started_at = now(), heartbeat_at = now(),
          lease_expires_at = excluded.lease_expires_at
        where chat_run_leases.lease_expires_at < now()
        ${RETURNING}`,
      values: [lease.messageId, lease.threadId, lease.userId, lease.runId, this.#instanceId, this.#leaseMs],
    })
    return rows[0] && toLease(rows[0])
  }

  /** Heartbeat: extends the leases of these runs; returns the run ids still held (a missing one was taken over). */
  async renew(runIds: readonly string[]): Promise<Set<string>> {
    if (runIds.length === 0) return new Set()
    const { rows } = await this.#db.query<{ run_id: string }>({
      text: `update chat_run_leases set heartbeat_at = now(),
          lease_expires_at = now() + $3 * interval '1 millisecond'
        where owner_instance = $1 and run_id = any($2::uuid[]) returning run_id`,
      values: [this.#instanceId, runIds, this.#leaseMs],
    })
    return new Set(rows.map((row) => row.run_id))
  }

  /**
   * The run failed: the message has no live run any more. (A run that stored its reply let go of its lease in
   * the same statement, `ChatStore.addAssistantMessage`.)
   */
  async release(lease: Pick<RunLease, 'messageId' | 'runId'>): Promise<void> {
    await this.#db.query({
      text: 'delete from chat_run_leases where message_id = $1 and run_id = $2',
      values: [lease.messageId, lease.runId],
    })
  }

  /** The run was stopped unfinished (shutdown): its lease expires now, so another instance takes it over at once. */
  async handOver(lease: Pick<RunLease, 'messageId' | 'runId'>): Promise<void> {
    await this.#db.query({
      text: 'update chat_run_leases set lease_expires_at = now() where message_id = $1 and run_id = $2',
      values: [lease.messageId, lease.runId],
    })
  }

  /**
   * Takes over up to `limit` expired leases with fewer than `maxAttempts` attempts, each with a fresh run id
   * (`skip locked`: two instances sweeping at once take different rows). The caller runs them.
   */
  async takeOverExpired(options: { limit: number; maxAttempts: number }): Promise<RunLease[]> {
    const { rows } = await this.#db.query<LeaseRow>({
      text: `update chat_run_leases set run_id = gen_random_uuid(), owner_instance = $1,
          attempts = attempts + 1, started_at = now(), heartbeat_at = now(),
          lease_expires_at = now() + $2 * interval '1 millisecond'
        where message_id in (
          select message_id from chat_run_leases
          where lease_expires_at < now() and attempts < $3
          order by lease_expires_at limit $4 for update skip locked)
          and lease_expires_at < now()
        ${RETURNING}`,
      values: [this.#instanceId, this.#leaseMs, options.maxAttempts, options.limit],
    })
    return rows.map(toLease)
  }

  /**
   * Expired leases that used up their attempts (each run died with its instance: a message that kills
   * instances is not tried forever) are deleted and returned, for a `run.failed`.
   */
  async abandonExhausted(maxAttempts: number): Promise<RunLease[]> {
    const { rows } = await this.#db.query<LeaseRow>({
      text: `delete from chat_run_leases where lease_expires_at < now() and attempts >= $1 ${RETURNING}`,
      values: [maxAttempts],
    })
    return rows.map(toLease)
  }
}
