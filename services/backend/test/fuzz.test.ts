import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fuzzSettings, withClient } from '@tarmac/testing'
import { startStack } from './support/backend-harness.js'
import { ChatClient, type Frame } from './support/ws-client.js'

// Property-based fuzzing of every REST route and every WebSocket frame type against the real backend on
// real Postgres. Properties: no answer ≥ 500 (no `INTERNAL` error frame), every 4xx and every error frame
// carries a `code`, the socket stays usable, the process stays live. A fixed number of runs, every one of them
// asserted to have happened, and rows written to prove the fuzzing got past validation into Postgres. The
// seed is fixed under CI and random elsewhere (printed); a failure prints fast-check's seed and path: rerun
// with FUZZ_SEED=<seed> (and FUZZ_PATH=<path>) to replay it.
const FUZZ = fuzzSettings(1_000)
const MAX_FRAME_BYTES = 4_096

let stack: Awaited<ReturnType<typeof startStack>>
let token: string
let threadId: string
const counts: Record<string, number> = {}
/** WebSocket answers by type (and error code): shows what the fuzzing reached. */
const tally: Record<string, number> = {}
beforeAll(async () => {
  console.log(
    `backend fuzz: seed ${FUZZ.seed} (${FUZZ.seedFrom}), ${FUZZ.numRuns} runs; replay with ${FUZZ.replay}`,
  )
  stack = await startStack('backend_fuzz', {
    options: { rateLimitBurst: 1_000_000, rateLimitPerSecond: 1_000_000, maxFrameBytes: MAX_FRAME_BYTES },
    env: { CHAT_MAX_RUNS_PER_USER: '1000' },
  })
  token = await stack.auth.mint()
  threadId = await newThread()
})

/** A thread of the fuzzing user (the REST fuzzing may delete it: each describe makes its own). */
async function newThread(): Promise<string> {
  const created = await fetch(`${stack.url}/api/threads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"title":"fuzz"}',
  })
  return ((await created.json()) as { id: string }).id
}
afterAll(async () => {
  console.log(
    `fuzz seed ${FUZZ.seed}; runs ${JSON.stringify(counts)}; WebSocket answers ${JSON.stringify(tally)}`,
  )
  await stack?.close()
})

/**
 * Runs a property with the file's seed and run count; on failure the message names the seed to replay. Every
 * planned run must have happened (a pass after a handful proves nothing).
 */
async function check<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>) {
  let runs = 0
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (value) => {
      runs++
      await predicate(value)
    }),
    { seed: FUZZ.seed, numRuns: FUZZ.numRuns, ...(FUZZ.path !== undefined && { path: FUZZ.path }) },
  )
  counts[name] = runs
  if (details.failed) {
    throw new Error(
      `${name}: property failed — replay with FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath}\n` +
        `counterexample: ${fc.stringify(details.counterexample)}\n${String(details.errorInstance)}`,
    )
  }
  expect(runs, `${name} runs of seed ${FUZZ.seed}`).toBeGreaterThanOrEqual(FUZZ.minRuns)
}

/** Rows of the fuzzing user's threads and messages: what the fuzzed routes and frames wrote to Postgres. */
async function rowCounts(): Promise<{ threads: number; messages: number }> {
  return withClient(stack.db.url, async (client) => {
    const { rows } = await client.query<{ threads: number; messages: number }>(
      `select (select count(*) from chat_threads)::int as threads,
              (select count(*) from chat_messages)::int as messages`,
    )
    return rows[0]!
  })
}

/** Whether the fuzzing is expected to have written anything: not when replaying one counterexample. */
const wholeRun = FUZZ.path === undefined

// Strings that reach Postgres badly: NUL, lone surrogates, huge, digits, uuids, path tricks.
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit))
const nasty = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '\udc00x',
    'a\u0000b',
    '../..',
    '%00',
    '%',
    '%zz',
    '-1',
    '0',
    '1e308',
    'null',
    '[]',
    '{}',
  ),
  fc.uuid().map(String),
  fc.integer().map(String),
  fc.string({ maxLength: 300 }),
)
const json: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.record({ title: fc.oneof(nasty, fc.jsonValue()) }, { requiredKeys: [] }),
  fc.dictionary(nasty, fc.jsonValue(), { maxKeys: 3 }),
)

/** encodeURIComponent refuses lone surrogates; a client could still send their replacement. */
function encodePart(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'))
  }
}

interface RestCase {
  method: string
  path: string
  query: Record<string, string>
  auth: 'valid' | 'none' | 'garbage'
  body: { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; type: string }
}
const anyRequest: fc.Arbitrary<RestCase> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
  path: fc.oneof(
    fc.constant('/api/threads'),
    nasty.map((id) => `/api/threads/${encodePart(id)}/messages`),
    nasty.map((id) => `/api/threads/${encodePart(id)}`),
    fc.constant('THREAD').map(() => `/api/threads/${threadId}/messages`),
    fc.constant('THREAD').map(() => `/api/threads/${threadId}`),
  ),
  query: fc.dictionary(fc.constantFrom('limit', 'cursor', 'x', 'limit[]'), nasty, { maxKeys: 3 }),
  auth: fc.constantFrom('valid', 'valid', 'valid', 'none', 'garbage'),
  body: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    json.map((value) => ({ kind: 'json' as const, value })),
    fc.record({
      kind: fc.constant('raw' as const),
      text: fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 2_000 })),
      type: fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
      ),
    }),
  ),
})

/** Each route as its schema reads it (method, path, fields), with nasty values: where the database is reached. */
const routeRequest: fc.Arbitrary<RestCase> = fc.oneof(
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant('/api/threads'),
    query: fc.constant({}),
    auth: fc.constant('valid' as const),
    body: fc.oneof(nasty, fc.jsonValue()).map((title) => ({ kind: 'json' as const, value: { title } })),
  }),
  fc.record({
    method: fc.constant('GET'),
    path: fc.oneof(
      fc.constant('/api/threads'),
      fc.constant('THREAD').map(() => `/api/threads/${threadId}/messages`),
      nasty.map((id) => `/api/threads/${encodePart(id)}/messages`),
    ),
    query: fc.record({ limit: nasty, cursor: nasty }, { requiredKeys: [] }),
    auth: fc.constant('valid' as const),
    body: fc.constant({ kind: 'none' as const }),
  }),
  fc.record({
    method: fc.constant('DELETE'),
    path: nasty.map((id) => `/api/threads/${encodePart(id)}`),
    query: fc.constant({}),
    auth: fc.constant('valid' as const),
    body: fc.constant({ kind: 'none' as const }),
  }),
)
const restCase = fc.oneof(routeRequest, anyRequest)

async function send(c: RestCase): Promise<{ status: number; text: string }> {
  const query = new URLSearchParams(c.query).toString()
  const headers: Record<string, string> = {}
  if (c.auth === 'valid') headers.authorization = `Bearer ${token}`
  if (c.auth === 'garbage') headers.authorization = 'Bearer x.y.z'
  let body: string | undefined
  if (c.body.kind === 'json' && c.method !== 'GET') {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(c.body.value) ?? 'null'
  } else if (c.body.kind === 'raw' && c.method !== 'GET') {
    headers['content-type'] = c.body.type
    body = c.body.text
  }
  const response = await fetch(`${stack.url}${c.path}${query ? `?${query}` : ''}`, {
    method: c.method,
    headers,
    body,
  })
  return { status: response.status, text: await response.text() }
}

describe('fuzzing the REST API (real backend, real Postgres)', () => {
  it('answers every request below 500, with a code on every 4xx', async () => {
    const before = await rowCounts()
    const created: Record<number, number> = {}
    await check('rest', restCase, async (c) => {
      const { status, text } = await send(c)
      if (c.method === 'POST' && c.path === '/api/threads') created[status] = (created[status] ?? 0) + 1
      expect(status, text).toBeLessThan(500)
      if (status >= 400) expect(typeof (JSON.parse(text) as { code?: unknown }).code, text).toBe('string')
    })
    expect((await fetch(`${stack.url}/health/live`)).status).toBe(200)
    // It reached Postgres: fuzzed titles that passed validation became threads.
    if (wholeRun) expect((await rowCounts()).threads, JSON.stringify(created)).toBeGreaterThan(before.threads)
  }, 300_000)
})

// Every client frame type with fields of any shape, raw text that is not JSON, binary, oversized.
const field = fc.oneof(nasty, fc.jsonValue())
const frame: fc.Arbitrary<{ kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array }> = fc.oneof(
  fc
    .record(
      {
        type: fc.oneof(
          fc.constantFrom('auth', 'thread.subscribe', 'thread.unsubscribe', 'message.send', 'ping'),
          field,
        ),
        threadId: fc.oneof(field, fc.constant('THREAD')),
        clientMsgId: field,
        text: field,
        token: field,
        ref: field,
      },
      { requiredKeys: ['type'] },
    )
    .map((value) => ({
      kind: 'text' as const,
      text: JSON.stringify(value.threadId === 'THREAD' ? { ...value, threadId } : value),
    })),
  // well-formed frames on the user's real thread, with nasty values where the database reads them
  fc
    .record({
      type: fc.constantFrom('message.send', 'thread.subscribe', 'thread.unsubscribe'),
      threadId: fc.oneof(fc.constant('THREAD'), nasty),
      clientMsgId: nasty,
      text: nasty,
    })
    .map((value) => ({
      kind: 'text' as const,
      text: JSON.stringify({ ...value, threadId: value.threadId === 'THREAD' ? threadId : value.threadId }),
    })),
  fc.jsonValue().map((value) => ({ kind: 'text' as const, text: JSON.stringify(value) ?? 'null' })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ kind: 'text' as const, text })),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'binary' as const, bytes })),
  fc
    .integer({ min: MAX_FRAME_BYTES + 1, max: 4 * MAX_FRAME_BYTES })
    .map((n) => ({ kind: 'text' as const, text: 'x'.repeat(n) })),
)

describe('fuzzing the WebSocket protocol (real backend, real Postgres)', () => {
  it('answers every frame with a code when it refuses it, never INTERNAL, and stays usable', async () => {
    threadId = await newThread()
    const before = await rowCounts()
    let client = await ChatClient.withSubprotocol(stack.wsUrl, token)
    await client.next((f) => f.type === 'auth.ok')
    await check('ws', frame, async (f) => {
      if (client.socket.readyState !== client.socket.OPEN) {
        client = await ChatClient.withSubprotocol(stack.wsUrl, token)
        await client.next((g) => g.type === 'auth.ok')
      }
      const from = client.frames.length
      if (f.kind === 'binary') client.socket.send(f.bytes, { binary: true })
      else client.send(f.text)
      // Frames are handled in arrival order: once this ping's pong is back, the frame has been answered.
      const ref = randomUUID()
      client.send({ type: 'ping', ref })
      await client.next((g) => g.type === 'pong' && g.ref === ref, 10_000)
      const answers: Frame[] = client.frames.slice(from)
      for (const answer of answers) {
        const key = answer.type === 'error' ? `error:${String(answer.code)}` : String(answer.type)
        tally[key] = (tally[key] ?? 0) + 1
        expect(typeof answer.type).toBe('string')
        if (answer.type === 'error' || answer.type === 'run.failed') {
          expect(typeof answer.code, JSON.stringify(answer)).toBe('string')
          expect(['INTERNAL', 'RUN_FAILED']).not.toContain(answer.code)
        }
      }
    })
    expect(client.socket.readyState).toBe(client.socket.OPEN)
    client.close()
    // It reached Postgres: fuzzed message.send frames on the real thread were stored.
    if (wholeRun) expect((await rowCounts()).messages, JSON.stringify(tally)).toBeGreaterThan(before.messages)
  }, 300_000)

  it('closes a frame above the hard payload cap with 1009, and the server lives on', async () => {
    const client = await ChatClient.withSubprotocol(stack.wsUrl, token)
    await client.next((f) => f.type === 'auth.ok')
    client.send('x'.repeat(1024 * 1024 + 1))
    expect((await client.closed).code).toBe(1009)
    expect((await fetch(`${stack.url}/health/live`)).status).toBe(200)
  })
})
