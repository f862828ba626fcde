import { connect, type Socket } from 'node:net'
import { deriveStartupReportCredential } from '@tarmac/service'
import { getFreePort } from '@tarmac/testing'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFrontendApp } from '../src/app.js'
import { createColdStartLog, type ColdStartLog } from '../src/cold-start-log.js'
import { COLLECTOR_BOUNDS } from '../src/cold-start-store.js'
import { maxSizeRecord } from './max-report.js'
import { createPublicDir } from './support.js'

// The collector under abuse: a sender without a credential costs no body, a flood of maximum-size reports stays
// within the byte bounds, and more reports at once than it reads are refused before their bodies.

const SECRET = 'collector-secret-0123456789'
const BACKEND = deriveStartupReportCredential(SECRET, 'backend')

/** A raw HTTP exchange on a real socket: headers, then body bytes as the test decides. */
function rawPost(port: number, headers: Record<string, string>) {
  const socket: Socket = connect({ host: '127.0.0.1', port })
  let answer = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => (answer += chunk))
  socket.on('error', () => {}) // the server may close while the test still writes: that is the point
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const lines = Object.entries({ host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers })
  socket.write(
    `POST /startup-reports HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`,
  )
  return {
    socket,
    closed,
    answer: () => answer,
    async statusWithin(ms: number): Promise<number | undefined> {
      const deadline = Date.now() + ms
      while (Date.now() < deadline) {
        const match = /^HTTP\/1\.1 (\d{3})/.exec(answer)
        if (match) return Number(match[1])
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return undefined
    },
  }
}

describe('the collector is bounded (real sockets)', () => {
  const site = createPublicDir()
  let app: FastifyInstance
  let port: number
  let log: ColdStartLog
  const serverSockets: Socket[] = []

  beforeAll(async () => {
    const closed = `http://127.0.0.1:${await getFreePort()}`
    log = createColdStartLog({ summaryMs: 0 })
    app = await createFrontendApp({
      config: {
        BACKEND_URL: closed,
        AUTH_URL: closed,
        HEALTH_TOKEN: undefined,
        STARTUP_REPORT_TOKEN: SECRET,
        STATUS_TIMEOUT_MS: 1_000,
        PUBLIC_DIR: site.dir,
        NODE_ENV: 'test',
      },
      coldStarts: log,
    })
    app.server.on('connection', (socket: Socket) => serverSockets.push(socket))
    await app.listen({ port: 0, host: '127.0.0.1' })
    port = (app.server.address() as { port: number }).port
  })
  afterAll(async () => {
    await app?.close()
    site.remove()
  })

  it('refuses a bad credential before reading the body: 401 while the body is still coming', async () => {
    // 250 000 bytes announced, 1 000 sent: a collector that read the body first would still be waiting.
    const post = rawPost(port, { authorization: `Bearer ${BACKEND}x`, 'content-length': '250000' })
    post.socket.write('{"service":"backend",' + ' '.repeat(979))
    expect(await post.statusWithin(10_000)).toBe(401)
    expect(post.answer()).toMatch(/STARTUP_REPORT_REJECTED/)
    expect(post.answer()).toMatch(/connection: close/i)
    post.socket.destroy()
  })

  it('does not read a huge body sent with a bad credential', async () => {
    const before = serverSockets.length
    const post = rawPost(port, { authorization: 'Bearer not-a-credential', 'transfer-encoding': 'chunked' })
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    const framed = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ])
    let written = 0
    // Up to 64 MiB, as fast as the socket takes it, until the server closes the connection.
    while (written < 64 * 1024 * 1024 && !post.socket.destroyed && post.socket.writable) {
      const more = post.socket.write(framed)
      written += framed.length
      if (!more)
        await Promise.race([
          new Promise((resolve) => post.socket.once('drain', resolve)),
          post.closed,
          new Promise((resolve) => setTimeout(resolve, 2_000)),
        ])
    }
    post.socket.destroy()
    await post.closed
    expect(post.answer()).toMatch(/^HTTP\/1\.1 401/)
    const socket = serverSockets[before]!
    await new Promise((resolve) => setTimeout(resolve, 200))
    // The server read the headers and what was in flight, not the body the client tried to push.
    expect(socket.bytesRead).toBeLessThan(4 * 1024 * 1024)
    expect(log.facts()).toEqual([])
  })

  it('keeps a service within its byte bound under a flood of maximum-size reports', async () => {
    const body = JSON.stringify(maxSizeRecord('backend'))
    expect(body.length).toBeGreaterThan(200_000)
    for (let i = 0; i < 80; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/startup-reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BACKEND}` },
        body: JSON.stringify(maxSizeRecord('backend', i)),
      })
      expect(response.status).toBe(202)
    }
    const facts = log.facts({ service: 'backend' })
    const bytes = facts.reduce((sum, f) => sum + f.bytes, 0)
    expect(bytes).toBeLessThanOrEqual(COLLECTOR_BOUNDS.serviceMaxBytes)
    expect(Math.max(...facts.map((f) => f.bytes))).toBeLessThanOrEqual(COLLECTOR_BOUNDS.recordMaxBytes)
    expect(facts.length).toBeLessThan(80) // the oldest went
    // What a reader gets back is the same bounded set, trimmed (each component's errors dropped).
    const page = (await (
      await fetch(`http://127.0.0.1:${port}/startup-reports?service=backend&limit=100`)
    ).json()) as {
      records: { instance: string }[]
    }
    expect(page.records).toHaveLength(facts.length)
    expect(page.records[0]!.instance).toBe('backend-79:4242')
    expect(Buffer.byteLength(JSON.stringify(page.records))).toBeLessThanOrEqual(
      COLLECTOR_BOUNDS.serviceMaxBytes + 1_000,
    )
    // The summary still has the failures and their connect samples (taken before trimming).
    const summary = log.summary('backend')
    expect(summary).toMatchObject({ total: facts.length, failed: facts.length })
    expect(summary.connectMs.tcp?.samples).toBeGreaterThan(0)
  })

  it('refuses a report that does not fit even trimmed: 413 with a code', async () => {
    const huge = maxSizeRecord('backend', 99)
    // 600 components with long names and no errors: nothing to trim.
    const template = huge.report.phases[0]!
    huge.report.phases = Array.from({ length: 6 }, (_, phase) => ({
      ...template,
      name: `${'p'.repeat(90)}-${phase}`,
      components: Array.from({ length: 100 }, (_, n) => ({
        ...template.components[0]!,
        name: `${'c'.repeat(90)}-${n}`,
        phase: `${'p'.repeat(90)}-${phase}`,
        errors: [],
      })),
    }))
    const response = await fetch(`http://127.0.0.1:${port}/startup-reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${BACKEND}` },
      body: JSON.stringify(huge),
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ code: 'STARTUP_REPORT_TOO_LARGE' })
  })

  it('refuses evidence nested too deep or too wide with 400, never a crash', async () => {
    let deep: unknown = 1
    for (let i = 0; i < 2_000; i++) deep = { d: deep }
    for (const evidence of [deep, { list: Array.from({ length: 51 }, () => 1) }, { ['k'.repeat(65)]: 1 }]) {
      const record = maxSizeRecord('backend', 7)
      const component = record.report.phases[0]!.components[0]!
      ;(component.errors[0] as { evidence: unknown }).evidence = evidence
      const response = await fetch(`http://127.0.0.1:${port}/startup-reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BACKEND}` },
        body: JSON.stringify(record),
      })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ code: 'VALIDATION_FAILED' })
    }
  })

  it('reads at most maxConcurrentReports bodies at once; the next is refused before its body', async () => {
    const slow = Array.from({ length: COLLECTOR_BOUNDS.maxConcurrentReports }, () => {
      const post = rawPost(port, { authorization: `Bearer ${BACKEND}`, 'content-length': '100000' })
      post.socket.write('{')
      return post
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const next = rawPost(port, { authorization: `Bearer ${BACKEND}`, 'content-length': '100000' })
    expect(await next.statusWithin(10_000)).toBe(503)
    expect(next.answer()).toMatch(/STARTUP_REPORT_BUSY/)
    expect(next.answer()).toMatch(/retry-after: 1/i)
    next.socket.destroy()
    // Senders that give up mid-body free their places.
    for (const post of slow) post.socket.destroy()
    await Promise.all(slow.map((post) => post.closed))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const after = await fetch(`http://127.0.0.1:${port}/startup-reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${BACKEND}` },
      body: JSON.stringify(maxSizeRecord('backend', 100, 'ready')),
    })
    expect(after.status).toBe(202)
  })
})
