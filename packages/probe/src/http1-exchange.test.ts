import { Duplex } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { exchangeHttp1, type ResponseHead } from './http1-exchange.js'

/** An in-memory peer that answers the request with `response`, one byte per chunk (every split point). */
function peer(response: string, end = true): Duplex & { written: string } {
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      stream.written += chunk.toString('latin1')
      const bytes = Buffer.from(response, 'latin1')
      for (const byte of bytes) stream.push(Buffer.from([byte]))
      if (end) stream.push(null)
      done()
    },
  }) as Duplex & { written: string }
  stream.written = ''
  return stream
}

async function exchange(response: string, bodyless = false, end = true) {
  const heads: ResponseHead[] = []
  const bodyBytes = await exchangeHttp1(
    peer(response, end),
    Buffer.from('GET / HTTP/1.1\r\n\r\n'),
    bodyless,
    (h) => heads.push(h),
  )
  return { heads, bodyBytes }
}

describe('exchangeHttp1', () => {
  it('counts a content-length body without waiting for the connection to close', async () => {
    const result = await exchange('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', false, false)
    expect(result).toEqual({ heads: [{ status: 200, httpVersion: '1.1' }], bodyBytes: 5 })
  })

  it('decodes chunks split at every byte, with extensions and trailers', async () => {
    const body = '4;ext=1\r\nabcd\r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n'
    const result = await exchange(
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
      false,
      false,
    )
    expect(result.bodyBytes).toBe(14)
  })

  it('skips interim 1xx responses and reports the final one', async () => {
    const result = await exchange('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 204 No Content\r\n\r\n')
    expect(result).toEqual({ heads: [{ status: 204, httpVersion: '1.0' }], bodyBytes: 0 })
  })

  it('reads a body without length until the connection closes', async () => {
    expect((await exchange('HTTP/1.0 200 OK\r\n\r\n0123456789')).bodyBytes).toBe(10)
  })

  it('reads no body for HEAD, whatever content-length says', async () => {
    expect((await exchange('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', true, false)).bodyBytes).toBe(0)
  })

  it('rejects with ECONNRESET when the body is cut short or no response comes', async () => {
    await expect(exchange('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')).rejects.toMatchObject({
      code: 'ECONNRESET',
      message: 'response body cut short',
    })
    await expect(exchange('')).rejects.toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' })
  })

  it('rejects what is not HTTP with HPE_ codes, at the first bytes that show it', async () => {
    await expect(exchange('SSH-2.0-OpenSSH_9.2\r\n', false, false)).rejects.toMatchObject({
      code: 'HPE_INVALID_CONSTANT',
    })
    await expect(exchange('HTTP/1.1 2x0 OK\r\n\r\n')).rejects.toMatchObject({ code: 'HPE_INVALID_STATUS' })
    await expect(
      exchange('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'),
    ).rejects.toMatchObject({
      code: 'HPE_INVALID_CHUNK_SIZE',
    })
    await expect(
      exchange('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'),
    ).rejects.toMatchObject({ code: 'HPE_UNEXPECTED_CONTENT_LENGTH' })
    await expect(exchange(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(17_000)}`, false, false)).rejects.toMatchObject(
      {
        code: 'HPE_HEADER_OVERFLOW',
      },
    )
  })
})
