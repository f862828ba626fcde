import { describe, expect, it } from 'vitest'
import { createPaint } from '../style.js'
import { formatLogLine, healthRequestFilter, lineSplitter } from './log-line.js'

const plain = createPaint(false)

describe('formatLogLine', () => {
  it('prints a pino line briefly: time, level, msg and a few fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      pid: 1,
      hostname: 'h',
      msg: 'slow',
      phase: 'database',
      err: { code: 'TCP_REFUSED', message: 'refused' },
    })
    expect(formatLogLine(line, plain)).toBe('03:04:05.678 WARN  slow phase=database err=TCP_REFUSED: refused')
  })
  it('passes anything else through', () => {
    expect(formatLogLine('plain text', plain)).toBe('plain text')
    expect(formatLogLine('{not json', plain)).toBe('{not json')
  })
})

describe('lineSplitter', () => {
  it('joins chunks into lines and flushes the tail', () => {
    const lines: string[] = []
    const splitter = lineSplitter((line) => lines.push(line))
    splitter.push('a\nb')
    splitter.push('c\r\n\nd')
    splitter.flush()
    expect(lines).toEqual(['a', 'bc', 'd'])
  })
})

describe('healthRequestFilter', () => {
  it('drops the request lines of health probes and keeps the rest', () => {
    const keep = healthRequestFilter()
    const line = (o: object) => JSON.stringify({ level: 30, ...o })
    expect(
      keep(line({ reqId: 'r1', req: { method: 'GET', url: '/health/startup' }, msg: 'incoming request' })),
    ).toBe(false)
    expect(keep(line({ reqId: 'r1', res: { statusCode: 200 }, msg: 'request completed' }))).toBe(false)
    expect(
      keep(line({ reqId: 'r2', req: { method: 'POST', url: '/auth/signup' }, msg: 'incoming request' })),
    ).toBe(true)
    expect(keep(line({ reqId: 'r2', res: { statusCode: 201 }, msg: 'request completed' }))).toBe(true)
    expect(keep('plain')).toBe(true)
  })

  it('keeps warnings about health requests', () => {
    const keep = healthRequestFilter()
    expect(keep(JSON.stringify({ level: 50, reqId: 'r', req: { url: '/health/ready' }, msg: 'boom' }))).toBe(
      true,
    )
  })
})

describe('formatLogLine, engine events and requests', () => {
  it('shows an event by its phase, component and duration, and a request by method and path', () => {
    const event = JSON.stringify({
      level: 30,
      time: 0,
      msg: 'phase.completed',
      event: { type: 'phase.completed', phase: 'database', durationMs: 420, service: 'backend', atMs: 1 },
    })
    expect(formatLogLine(event, plain)).toBe(
      '00:00:00.000 INFO  phase.completed phase=database durationMs=420',
    )
    const request = JSON.stringify({
      level: 30,
      time: 0,
      msg: 'incoming request',
      reqId: 'r',
      req: { method: 'POST', url: '/auth/signup' },
    })
    expect(formatLogLine(request, plain)).toBe('00:00:00.000 INFO  incoming request POST /auth/signup')
  })
})
