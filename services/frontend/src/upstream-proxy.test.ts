import { describe, expect, it } from 'vitest'
import { networkCauseOf, upstreamErrorBody } from './upstream-proxy.js'

const withCode = (message: string, code: string, cause?: unknown) =>
  Object.assign(new Error(message, cause === undefined ? {} : { cause }), { code })

describe('upstream errors', () => {
  it('finds the system error under fetch and reply-from wrappers', () => {
    const refused = withCode('connect ECONNREFUSED 127.0.0.1:8000', 'ECONNREFUSED')
    const wrapped = new TypeError('fetch failed', {
      cause: withCode('boom', 'FST_REPLY_FROM_INTERNAL_SERVER_ERROR', refused),
    })
    expect(networkCauseOf(wrapped)).toBe(refused)
    expect(upstreamErrorBody('backend', wrapped)).toMatchObject({
      statusCode: 503,
      body: { code: 'UPSTREAM_UNAVAILABLE', service: 'backend', errorClass: 'TCP_REFUSED' },
    })
  })

  it('reads undici socket and timeout codes as reset and timeout', () => {
    const closed = new TypeError('fetch failed', { cause: withCode('other side closed', 'UND_ERR_SOCKET') })
    expect(upstreamErrorBody('auth', closed).body.errorClass).toBe('TCP_RESET')
    const slow = withCode('Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT')
    expect(upstreamErrorBody('auth', slow)).toMatchObject({
      statusCode: 504,
      body: { code: 'UPSTREAM_TIMEOUT' },
    })
  })
})
