import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CliError } from '../errors.js'
import { healthPath, websocketUrl } from './config-schema.js'
import { loadConfig, parseConfig } from './load-config.js'

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): CliError {
  try {
    parseConfig(text, 'tarmac.yaml', env)
  } catch (error) {
    if (error instanceof CliError) return error
    throw error
  }
  throw new Error('expected the config to be rejected')
}

describe('parseConfig', () => {
  it('reads services and dependencies, with defaults and $ENV expansion', () => {
    const config = parseConfig(
      [
        'services:',
        '  backend:',
        '    url: http://${HOST:-127.0.0.1}:8000',
        '    tokenEnv: HEALTH_TOKEN',
        'dependencies:',
        '  postgres:',
        '    type: postgres',
        '    url: $DATABASE_URL',
      ].join('\n'),
      'tarmac.yaml',
      { DATABASE_URL: 'postgres://app:secret@db:5432/app' },
    )
    expect(config.services.backend!.url).toBe('http://127.0.0.1:8000')
    expect(healthPath(config.services.backend!, 'startup')).toBe('/health/startup')
    expect(websocketUrl(config.services.backend!)).toBe('ws://127.0.0.1:8000/ws')
    expect(config.dependencies.postgres).toEqual({
      type: 'postgres',
      url: 'postgres://app:secret@db:5432/app',
    })
    expect(config.monitor.intervalMs).toBe(5_000)
    expect(config.monitor.failures).toBe(3)
  })

  it('points a schema violation at its line and column', () => {
    const error = problemsOf(
      ['services:', '  backend:', '    url: not a url', 'monitor:', '  intervalMs: -5'].join('\n'),
    )
    expect(error.code).toBe('CLI_ERR_CONFIG_INVALID')
    expect(error.problems.map((p) => [p.path, p.line, p.column])).toEqual([
      ['services.backend.url', 3, 10],
      ['monitor.intervalMs', 5, 15],
    ])
    expect(error.message).toContain('tarmac.yaml:3:10: services.backend.url:')
  })

  it('points an unknown key (a typo) at the key itself', () => {
    const error = problemsOf(
      ['services:', '  auth:', '    url: http://127.0.0.1:8001', '    tokenenv: X'].join('\n'),
    )
    expect(error.problems).toEqual([
      { path: 'services.auth.tokenenv', message: 'unknown key', line: 4, column: 5 },
    ])
  })

  it('points a missing environment variable at its line', () => {
    const error = problemsOf(['dependencies:', '  db:', '    type: postgres', '    url: ${NOPE}'].join('\n'))
    expect(error.code).toBe('CLI_ERR_CONFIG_INVALID')
    expect(error.problems[0]).toMatchObject({ path: 'dependencies.db.url', line: 4 })
    expect(error.problems[0]!.message).toContain('NOPE')
  })

  it('lists every problem at once, an unset variable with the schema errors, in line order', () => {
    const error = problemsOf(['services:', '  a:', '    url: $NOPE', '    extra: 1'].join('\n'))
    expect(error.problems.map((p) => [p.path, p.line])).toEqual([
      ['services.a.url', 3],
      ['services.a.extra', 4],
    ])
  })

  it('points a YAML syntax error at its line', () => {
    const error = problemsOf(['services:', '  backend:', '    url: "http://x', '  auth: ['].join('\n'))
    expect(error.problems[0]!.line).toBeGreaterThanOrEqual(3)
  })

  it('rejects a window that cannot hold the failures', () => {
    const error = problemsOf(['monitor:', '  failures: 4', '  window: 3'].join('\n'))
    expect(error.problems[0]).toMatchObject({ path: 'monitor.failures', line: 2 })
  })
})

describe('loadConfig', () => {
  it('targets the local stack without a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarmac-config-'))
    const { config, source } = loadConfig(undefined, dir, {})
    expect(source).toMatch(/local stack/)
    expect(Object.keys(config.services).sort()).toEqual(['auth', 'backend', 'frontend'])
  })

  it('reads ./tarmac.yaml, and names a missing --config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarmac-config-'))
    writeFileSync(join(dir, 'tarmac.yaml'), 'services:\n  web:\n    url: http://127.0.0.1:3000\n')
    expect(Object.keys(loadConfig(undefined, dir, {}).config.services)).toEqual(['web'])
    expect(() => loadConfig('missing.yaml', dir, {})).toThrow(
      expect.objectContaining({ code: 'CLI_ERR_CONFIG_NOT_FOUND' }),
    )
  })
})
