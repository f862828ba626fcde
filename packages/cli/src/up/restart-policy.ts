/** How `tarmac up` restarts a service that exits: capped exponential backoff with jitter, crashes counted in a window. */
export interface RestartPolicyOptions {
  /** The first restart's delay before jitter. */
  readonly baseDelayMs: number
  /** No delay grows past this. */
  readonly maxDelayMs: number
  /** Crashes within this window count together; a service that stays up this long starts over at the base. */
  readonly windowMs: number
}

export const RESTART_DEFAULTS: RestartPolicyOptions = Object.freeze({
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  windowMs: 60_000,
})

/** What the policy decided for one crash: how long to wait, and how many crashes the window holds. */
export interface RestartDecision {
  readonly delayMs: number
  /** Crashes within the window, this one included. */
  readonly crashesInWindow: number
}

/**
 * Decides the delay before each restart. The n-th crash in a row (crashes closer together than the window)
 * waits `min(max, base × 2^(n−1))`, jittered to between half and all of it ("equal jitter": never a restart
 * storm, never a restart at once), so services that crash together do not restart in lockstep.
 * @example
 * const policy = new RestartPolicy()
 * const { delayMs, crashesInWindow } = policy.crashed(Date.now())
 */
export class RestartPolicy {
  readonly #options: RestartPolicyOptions
  readonly #random: () => number
  #crashesAtMs: number[] = []
  #streak = 0

  constructor(options: Partial<RestartPolicyOptions> = {}, random: () => number = Math.random) {
    this.#options = { ...RESTART_DEFAULTS, ...options }
    this.#random = random
  }

  /** Records a crash at `nowMs` (the service's exit) and decides the delay before the next start. */
  crashed(nowMs: number): RestartDecision {
    const { windowMs } = this.#options
    const last = this.#crashesAtMs.at(-1)
    // No crash for a whole window before this one: the service had recovered, back to the base delay.
    if (last === undefined || nowMs - last >= windowMs) this.#streak = 0
    this.#streak++
    this.#crashesAtMs = [...this.#crashesAtMs.filter((at) => nowMs - at < windowMs), nowMs]
    const ceiling = this.#delayFor(this.#streak)
    const delayMs = Math.round(ceiling / 2 + (this.#random() * ceiling) / 2)
    return { delayMs, crashesInWindow: this.#crashesAtMs.length }
  }

  #delayFor(streak: number): number {
    return Math.min(this.#options.maxDelayMs, this.#options.baseDelayMs * 2 ** (streak - 1))
  }
}
