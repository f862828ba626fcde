import { describe, expect, it } from 'vitest'
import { redactSecrets, summarizeProviderBody } from './provider-error.js'

describe('redactSecrets', () => {
  it('removes key-like strings as providers and gateways echo them, and keeps the rest', () => {
    expect(redactSecrets('Incorrect API key provided: sk-proj-abc123DEF456. See the docs.')).toBe(
      'Incorrect API key provided: [redacted]. See the docs.',
    )
    expect(redactSecrets('key sk-abc*************wxyz and sk-…abcd')).toBe('key [redacted] and [redacted]')
    expect(redactSecrets('authorization: Bearer eyJhbGciOi.x.y, next')).toBe(
      'authorization: [redacted], next',
    )
    expect(redactSecrets('GET /v1/models?api_key=s3cret&x=1')).toBe('GET /v1/models?api_key=[redacted]&x=1')
    expect(redactSecrets('HTTP 429, type rate_limit_exceeded')).toBe('HTTP 429, type rate_limit_exceeded')
  })
})

describe('summarizeProviderBody', () => {
  it('keeps the status and identifier-like error type and code; drops prose, HTML and key material', () => {
    expect(
      summarizeProviderBody(
        401,
        '{"error":{"message":"Incorrect API key provided: sk-x1234","type":"invalid_request_error","code":"invalid_api_key"}}',
      ),
    ).toEqual({ status: 401, providerType: 'invalid_request_error', providerCode: 'invalid_api_key' })
    expect(summarizeProviderBody(502, '<html>Bad Gateway</html>')).toEqual({ status: 502 })
    expect(
      summarizeProviderBody(400, '{"error":{"type":"a sentence with spaces","code":"sk-abcdef123"}}'),
    ).toEqual({ status: 400 })
    expect(summarizeProviderBody(500, 'null')).toEqual({ status: 500 })
  })
})
