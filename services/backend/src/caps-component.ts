import { Counter, Gauge, type Registry } from 'prom-client'
import type { Component } from '@tarmac/startup'
import type { CapCounter } from './cap-counter.js'
import { FLEET_CAPS, FleetCaps, localCaps, type FleetCap, type FleetCapsOptions } from './fleet-caps.js'
import type { BackendConfig, BackendKnobs } from './options.js'

/** The counters of the run and socket caps, and where they count. */
export interface BackendCaps {
  /** `fleet`: in Redis, across every instance; `instance`: this process only (no `REDIS_URL`). */
  readonly scope: 'fleet' | 'instance'
  readonly counters: Record<FleetCap, CapCounter>
  close(): Promise<void>
}

/**
 * `cache`: the caps' counters. With `REDIS_URL`, counted fleet-wide in Redis (critical: the instance does not
 * start with caps it cannot share); without, per instance. Either way the startup log says which, and with
 * Redis two metrics say when claims fell back to local counting: `tarmac_backend_caps_fallback_total{cap}` and
 * `tarmac_backend_caps_fleet_wide` (1 counting in Redis, 0 falling back).
 */
export function createCapsComponent(
  config: Pick<BackendConfig, 'REDIS_URL'>,
  knobs: Pick<BackendKnobs, 'redisKeyPrefix' | 'capsHeartbeatMs' | 'capsCommandTimeoutMs'>,
  inputs: {
    readonly instanceId: string
    readonly log: NonNullable<FleetCapsOptions['log']>
    /** The health plugin's metrics registry (read at start: the plugin is registered by then). */
    readonly metrics: () => Registry | undefined
  },
): Component<BackendCaps> {
  const { log, metrics, instanceId } = inputs
  const redisUrl = config.REDIS_URL
  const fleetOptions = {
    instanceId,
    keyPrefix: knobs.redisKeyPrefix,
    heartbeatMs: knobs.capsHeartbeatMs,
    commandTimeoutMs: knobs.capsCommandTimeoutMs,
  }
  let current: FleetCaps | undefined
  let fallbackCounter: Counter | undefined
  // Registered once, however many start attempts it takes.
  const fallbacks = (): Counter => {
    if (fallbackCounter) return fallbackCounter
    const registers = [metrics()].filter((r): r is Registry => r !== undefined)
    fallbackCounter = new Counter({
      name: 'tarmac_backend_caps_fallback_total',
      help: 'Cap claims decided on this instance’s own count because Redis could not be reached',
      labelNames: ['cap'],
      registers,
    })
    for (const cap of FLEET_CAPS) fallbackCounter.inc({ cap }, 0)
    new Gauge({
      name: 'tarmac_backend_caps_fleet_wide',
      help: '1 while the caps are counted in Redis across the fleet, 0 while claims fall back to this instance',
      registers,
      collect() {
        this.set(current && !current.degraded ? 1 : 0)
      },
    })
    return fallbackCounter
  }
  return {
    name: 'caps',
    phase: 'cache',
    timeoutMs: 5_000,
    retry: { baseMs: 250, capMs: 2_000 },
    async start({ signal }) {
      if (!redisUrl) {
        log.info(
          { event: 'caps.scope', scope: 'instance' },
          'no REDIS_URL: CHAT_MAX_RUNS_PER_USER, WS_MAX_SOCKETS_PER_USER and WS_MAX_SOCKETS_PER_IP hold per instance',
        )
        return { scope: 'instance', counters: localCaps(), close: async () => {} }
      }
      const caps = await FleetCaps.connect(
        redisUrl,
        { ...fleetOptions, log, onFallback: (cap) => fallbacks().inc({ cap }) },
        signal,
      )
      current = caps
      fallbacks()
      log.info(
        { event: 'caps.scope', scope: 'fleet' },
        'CHAT_MAX_RUNS_PER_USER, WS_MAX_SOCKETS_PER_USER and WS_MAX_SOCKETS_PER_IP are counted fleet-wide in Redis',
      )
      const counters = Object.fromEntries(FLEET_CAPS.map((cap) => [cap, caps.counter(cap)])) as Record<
        FleetCap,
        CapCounter
      >
      return { scope: 'fleet', counters, close: () => caps.close() }
    },
    stop: (caps) => caps.close(),
  }
}
