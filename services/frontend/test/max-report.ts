/**
 * Valid startup reports as big as the collector's body limit allows (~240 KB of JSON): what a flood sends, in the
 * bounds tests and in bench/collector-flood.
 */
export function maxSizeRecord(service: string, index = 0, outcome: 'ready' | 'failed' = 'failed') {
  const text = (n: number) => `${'x'.repeat(n - 12)}-${String(index).padStart(10, '0')}`
  const error = (attempt: number) => ({
    attempt,
    code: 'PG_ERR_TOO_MANY_CONNECTIONS',
    message: text(300),
    durationMs: 900,
    at: '2026-11-29T12:00:00.000Z',
    domain: 'infrastructure',
    layer: 'postgres-capacity',
    evidence: { note: text(250), timingsMs: { dns: 0.3, tcp: 850 + attempt, auth: 40 } },
  })
  const component = (phase: number, n: number) => ({
    name: `component-${phase}-${n}`,
    phase: `phase-${phase}`,
    critical: true,
    state: 'failed',
    startedAt: '2026-11-29T12:00:00.000Z',
    durationMs: 4_000,
    attempts: 2,
    errors: [error(1), error(2)],
  })
  return {
    service,
    instance: `${service}-${index}:4242`,
    outcome,
    sentAt: new Date().toISOString(),
    report: {
      service,
      state: outcome === 'failed' ? 'failed' : 'started',
      currentPhase: 'phase-0',
      startedAt: '2026-11-29T12:00:00.000Z',
      durationMs: 4_000,
      deadlineMs: 4_000,
      phases: Array.from({ length: 7 }, (_, phase) => ({
        name: `phase-${phase}`,
        parallel: false,
        state: 'failed',
        startedAt: '2026-11-29T12:00:00.000Z',
        durationMs: 4_000,
        components: Array.from({ length: 20 }, (_, n) => component(phase, n)),
      })),
      failure:
        outcome === 'failed'
          ? {
              phase: 'phase-0',
              component: 'component-0-0',
              code: 'STARTUP_ERR_DEADLINE_EXCEEDED',
              message: text(300),
              domain: 'infrastructure',
              layer: 'postgres-capacity',
              cause: { code: 'PG_ERR_TOO_MANY_CONNECTIONS', message: text(300) },
            }
          : null,
    },
  }
}
