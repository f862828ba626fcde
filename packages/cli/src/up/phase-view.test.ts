import { describe, expect, it } from 'vitest'
import { createPaint } from '../style.js'
import { PhaseView } from './phase-view.js'

const progress = (state: string, phases: Array<[string, string, number | null]>) => ({
  service: 'backend',
  state,
  phase: phases.find(([, s]) => s === 'running')?.[0] ?? null,
  phases: phases.map(([name, s, durationMs]) => ({ name, state: s, durationMs })),
})

describe('PhaseView', () => {
  it('announces each phase that changed state, once', () => {
    const announced: string[] = []
    const view = new PhaseView(() => {}, createPaint(false), false)
    view.update(
      progress('starting', [
        ['init', 'completed', 12],
        ['database', 'running', null],
      ]),
      (t) => announced.push(t),
    )
    view.update(
      progress('starting', [
        ['init', 'completed', 12],
        ['database', 'running', null],
      ]),
      (t) => announced.push(t),
    )
    view.update(
      progress('started', [
        ['init', 'completed', 12],
        ['database', 'completed', 420],
      ]),
      (t) => announced.push(t),
    )
    expect(announced).toEqual([
      'phase init completed in 12 ms',
      'phase database running',
      'phase database completed in 420 ms',
    ])
    expect(view.summary()).toBe('  backend   init 12 ms → database 420 ms')
  })

  it('keeps a status line at the bottom of a terminal: cleared before each log line, redrawn after', () => {
    let screen = ''
    const view = new PhaseView((text) => (screen += text), createPaint(false), true)
    view.update(
      progress('starting', [
        ['init', 'completed', 12],
        ['database', 'running', null],
      ]),
      () => {},
    )
    expect(screen).toBe('◐ backend database 1/2')
    view.line('backend  │ hello')
    expect(screen).toBe('◐ backend database 1/2\r\x1b[2Kbackend  │ hello\n◐ backend database 1/2')
    view.close()
    expect(screen.endsWith('\r\x1b[2K')).toBe(true)
  })
})
