/** The vocabulary of the engine: every state and event name it can report. */

export const STARTUP_STATES = ['starting', 'started', 'degraded', 'failed', 'stopping', 'stopped'] as const
export type StartupState = (typeof STARTUP_STATES)[number]

export const PHASE_STATES = ['pending', 'running', 'completed', 'failed', 'skipped'] as const
export type PhaseState = (typeof PHASE_STATES)[number]

export const COMPONENT_STATES = [
  'pending',
  'starting',
  'retrying',
  'started',
  'degraded',
  'failed',
  'skipped',
  'stopping',
  'stopped',
] as const
export type ComponentState = (typeof COMPONENT_STATES)[number]

export const STARTUP_EVENT_TYPES = [
  'startup.started',
  'phase.started',
  'phase.completed',
  'phase.failed',
  'phase.skipped',
  'component.starting',
  'component.attempt.failed',
  'component.retry.scheduled',
  'component.started',
  'component.degraded',
  'component.recovered',
  'component.failed',
  'component.late-resource.stopped',
  'startup.completed',
  'startup.failed',
  'shutdown.started',
  'component.stopping',
  'component.stopped',
  'component.stop.failed',
  'shutdown.completed',
] as const
export type StartupEventType = (typeof STARTUP_EVENT_TYPES)[number]
