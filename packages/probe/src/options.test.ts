import { describe, expect, it } from 'vitest'
import { connectPostgres } from './postgres-connect.js'
import { probeDns } from './dns-probe.js'
import { probeHttp } from './http-probe.js'
import { probeTcp } from './tcp-probe.js'
import { probeTls } from './tls-probe.js'
import { resolveProbeOptions } from './options.js'
import { redactUrl } from './redact.js'

describe('argument validation', () => {
  it('lists every problem in one PROBE_ERR_INVALID_OPTIONS error', () => {
    let error: unknown
    try {
      resolveProbeOptions({ timeoutMs: -1, signal: 'no', colour: 'red' }, 5_000)
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'PROBE_ERR_INVALID_OPTIONS' })
    expect((error as Error).message).toMatch(/colour.*signal.*timeoutMs|colour[\s\S]*signal[\s\S]*timeoutMs/)
  })

  it('throws PROBE_ERR_INVALID_TARGET for targets no probe can reach', async () => {
    expect(() => probeDns('')).toThrow(expect.objectContaining({ code: 'PROBE_ERR_INVALID_TARGET' }))
    expect(() => probeTcp({ host: '127.0.0.1', port: 0 })).toThrow(
      expect.objectContaining({ code: 'PROBE_ERR_INVALID_TARGET' }),
    )
    expect(() => probeTls({ host: '127.0.0.1', port: 70_000 })).toThrow(
      expect.objectContaining({ code: 'PROBE_ERR_INVALID_TARGET' }),
    )
    expect(() => probeHttp('ftp://example.invalid/')).toThrow(
      expect.objectContaining({ code: 'PROBE_ERR_INVALID_TARGET' }),
    )
    await expect(connectPostgres('mysql://root@127.0.0.1/db')).rejects.toMatchObject({
      code: 'PROBE_ERR_INVALID_TARGET',
    })
    await expect(connectPostgres('not a url')).rejects.toMatchObject({ code: 'PROBE_ERR_INVALID_TARGET' })
  })

  it('rejects bad probe-specific options', () => {
    expect(() => probeHttp('http://127.0.0.1/', { expectStatus: 42 })).toThrow(
      expect.objectContaining({ code: 'PROBE_ERR_INVALID_OPTIONS' }),
    )
    expect(() => probeHttp('http://127.0.0.1/', { expectStatus: [200, 700], method: 'GET /' })).toThrow(
      /method must be an HTTP method name.*expectStatus\[1\] must be a status code 100\.\.599 or a list of them \(got 700\)/,
    )
  })

  it('names the option, the rule and the value, and fills in the default timeout', () => {
    expect(() => resolveProbeOptions({ timeoutMs: 0 }, 5_000)).toThrow(
      'invalid probe options: timeoutMs must be a positive finite number (got 0)',
    )
    expect(resolveProbeOptions(undefined, 5_000)).toEqual({ signal: undefined, timeoutMs: 5_000 })
  })
})

describe('redactUrl', () => {
  it('never shows a password', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/app')).toBe('postgres://app:***@db:5432/app')
    expect(redactUrl('https://api.test/x?token=abc&a=1')).toBe('https://api.test/x?token=***&a=1')
    expect(redactUrl('postgres://app:s3cret@[bad')).not.toContain('s3cret')
  })
})
