import type { ResourceHandle, StartupLogger } from '@tarmac/startup'
import { safeMessageOf, silentLogger } from '@tarmac/startup'
import type { CheckResult, HealthCheck, HealthStatus } from './check.js'
import { CheckRunner } from './check-runner.js'
import { contributeChecks } from './contribute.js'
import type { StartupLike } from './contribute.js'
import { HealthError } from './errors.js'
import type { ResolvedCheck } from './options.js'
import { optionFields, parseHealthOptions, resolveCheck } from './options.js'
import { z } from 'zod'

/** A check with the result probes must use: a missing or stale result is already turned into a failure. */
export interface EvaluatedCheck {
  readonly check: ResolvedCheck
  readonly result: CheckResult
}

export interface RegistryEvaluation {
  readonly checks: readonly EvaluatedCheck[]
  /** Changes whenever a result, a check or a staleness changes: probes may cache what they built from it. */
  readonly version: number
  /** The evaluation is exact until this epoch ms (the next moment a result would turn stale). */
  readonly validUntilMs: number
}

export type RegistryEvent =
  | { readonly type: 'result'; readonly check: ResolvedCheck; readonly result: CheckResult }
  | {
      readonly type: 'status.changed'
      readonly check: ResolvedCheck
      readonly from: HealthStatus | undefined
      readonly to: HealthStatus
      readonly code?: string
    }

export interface HealthRegistryOptions {
  /**
   * Judges a failed check's error: its fault domain and layer (a `@tarmac/faults` model's `annotate`). What it
   * cannot place falls back on the check's own `fault`. Without it, only the checks' `fault` is used.
   */
  readonly classify?: (error: unknown) => { readonly domain?: string; readonly layer?: string }
  readonly logger?: StartupLogger
  /** Wall clock in ms; inject in tests. */
  readonly now?: () => number
  /** Random source in [0, 1) for interval jitter. */
  readonly random?: () => number
}

/** Where checks live: they run in the background; probes only read `evaluate()`. */
export interface HealthRegistry {
  /** Registers and starts a check (first run at once). Returns the function that removes it. */
  add(check: HealthCheck): () => void
  remove(name: string): boolean
  /**
   * Registers the checks a startup component contributes when it starts or recovers, and removes them when it
   * stops. `handle` is what `startup.add()` returned for the component; `factory` gets its resource, typed.
   * Returns the function that ends the contribution.
   */
  contribute<Resource>(
    startup: StartupLike,
    handle: ResourceHandle<Resource>,
    factory: (resource: Resource) => readonly HealthCheck[],
  ): () => void
  /** The cached results, staleness applied. O(checks); never runs a check. */
  evaluate(): RegistryEvaluation
  /** Bumped by every change a probe could see: results, staleness, checks added or removed. */
  readonly version: number
  /** Epoch ms until which the current version stays exact (the next moment a fresh result turns stale). */
  readonly validUntilMs: number
  /** Components that contributed checks (started or not), for `/health/infrastructure`. */
  readonly contributors: ReadonlySet<string>
  on(listener: (event: RegistryEvent) => void): () => void
  /** Stops every check. */
  close(): void
}

const { fn, loose } = optionFields

export const REGISTRY_OPTIONS_SCHEMA = z.strictObject({
  classify: fn<NonNullable<HealthRegistryOptions['classify']>>().optional(),
  logger: loose,
  now: fn<() => number>().optional(),
  random: fn<() => number>().optional(),
} satisfies Record<keyof HealthRegistryOptions, z.ZodType>)

/**
 * @example
 * const registry = createHealthRegistry({ logger })
 * const postgres = startup.add(createPostgresAdmission({ url, applicationName: 'backend' }))
 * registry.contribute(startup, postgres, (handle) => createPostgresChecks(handle, { url }))
 * registry.add({ name: 'llm:responseTime', critical: false, run: pingLlm })
 */
export function createHealthRegistry(options: HealthRegistryOptions = {}): HealthRegistry {
  parseHealthOptions(REGISTRY_OPTIONS_SCHEMA, options, 'registry options')
  const classify: NonNullable<HealthRegistryOptions['classify']> = options.classify ?? (() => ({}))
  const annotate = (check: ResolvedCheck, result: CheckResult, error?: unknown): CheckResult => {
    // Pending is not a fault: nothing has failed yet.
    if (result.code === undefined || result.code === 'HEALTH_ERR_CHECK_PENDING') return result
    const judged = classify(error ?? { code: result.code })
    const domain = judged.domain ?? check.fault.domain
    const layer = judged.layer ?? check.fault.layer
    return { ...result, ...(domain !== undefined && { domain }), ...(layer !== undefined && { layer }) }
  }
  const logger = options.logger ?? silentLogger
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const runners = new Map<string, CheckRunner>()
  const addedAtMs = new Map<string, number>()
  const lastStatus = new Map<string, HealthStatus>()
  const listeners = new Set<(event: RegistryEvent) => void>()
  const contributors = new Set<string>()
  let version = 0
  let validUntilMs = Infinity
  const bump = () => {
    version++
    validUntilMs = Infinity
    for (const runner of runners.values()) {
      const { result } = runner
      if (result === undefined) continue
      const staleAtMs = result.timeMs + runner.check.staleAfterMs
      if (staleAtMs >= now()) validUntilMs = Math.min(validUntilMs, staleAtMs)
    }
  }

  const emit = (event: RegistryEvent) => {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch (error) {
        logger.error({ err: { message: safeMessageOf(error) } }, 'health registry listener threw')
      }
    }
  }

  /** Logs a status change once, when it happens, never per probe. */
  const noteStatus = (runner: CheckRunner) => {
    bump()
    const { result } = effective(runner, now())
    const from = lastStatus.get(runner.check.name)
    if (from === result.status) return
    lastStatus.set(runner.check.name, result.status)
    if (from === undefined && result.status !== 'fail') return
    const entry = { check: runner.check.name, from: from ?? null, to: result.status, code: result.code }
    if (result.status === 'fail') logger.warn(entry, `health check ${runner.check.name} is failing`)
    else
      logger.info(
        entry,
        `health check ${runner.check.name} is ${result.status === 'pass' ? 'passing' : 'warning'}`,
      )
    emit({ type: 'status.changed', check: runner.check, from, to: result.status, code: result.code })
  }

  const effective = (runner: CheckRunner, nowMs: number): EvaluatedCheck => {
    const { check, result } = runner
    if (result === undefined) {
      const since = addedAtMs.get(check.name) ?? nowMs
      return {
        check,
        result: {
          name: check.name,
          status: 'fail',
          code: 'HEALTH_ERR_CHECK_PENDING',
          output: 'the check has not finished its first run',
          time: new Date(since).toISOString(),
          timeMs: since,
          durationMs: 0,
        },
      }
    }
    const ageMs = nowMs - result.timeMs
    if (ageMs <= check.staleAfterMs) return { check, result }
    const { domain: _domain, layer: _layer, ...previous } = result
    return {
      check,
      result: annotate(check, {
        ...previous,
        status: 'fail',
        code: 'HEALTH_ERR_CHECK_STALE',
        output: `the last result is ${ageMs} ms old (stale after ${check.staleAfterMs} ms)`,
      }),
    }
  }

  const registry: HealthRegistry = {
    add(check) {
      const resolved = resolveCheck(check)
      if (runners.has(resolved.name))
        throw new HealthError('HEALTH_ERR_DUPLICATE_CHECK', `check "${resolved.name}" is added twice`)
      const runner: CheckRunner = new CheckRunner(resolved, {
        now,
        random,
        annotate,
        onResult: (result) => {
          if (runners.get(resolved.name) !== runner) return
          emit({ type: 'result', check: resolved, result })
          noteStatus(runner)
        },
        onStale: () => {
          if (runners.get(resolved.name) === runner) noteStatus(runner)
        },
      })
      runners.set(resolved.name, runner)
      addedAtMs.set(resolved.name, now())
      bump()
      runner.start()
      return () => {
        if (runners.get(resolved.name) === runner) registry.remove(resolved.name)
      }
    },
    remove(name) {
      const runner = runners.get(name)
      if (!runner) return false
      runner.close()
      runners.delete(name)
      addedAtMs.delete(name)
      lastStatus.delete(name)
      bump()
      return true
    },
    contribute(startup, handle, factory) {
      const componentName = handle.name
      contributors.add(componentName)
      const end = contributeChecks(registry, logger, startup, handle, factory)
      bump()
      return () => {
        end()
        contributors.delete(componentName)
        bump()
      }
    },
    evaluate() {
      const nowMs = now()
      const checks: EvaluatedCheck[] = []
      for (const runner of runners.values()) checks.push(effective(runner, nowMs))
      return { checks, version, validUntilMs }
    },
    get version() {
      return version
    },
    get validUntilMs() {
      return validUntilMs
    },
    contributors,
    on(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close() {
      for (const name of [...runners.keys()]) registry.remove(name)
    },
  }
  return registry
}
