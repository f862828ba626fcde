import { createServer, type IncomingMessage, type Server } from 'node:http'
import { EventEmitter } from 'node:events'
import { createStartup } from '@tarmac/startup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ConfigError,
  createColdStartSender,
  deriveStartupReportCredential,
  loadConfigOrExit,
  verifyStartupReportCredential,
  type ColdStartRecord,
} from '../src/index.js'

/** A collector stand-in: a real HTTP server that records what it receives. */
let server: Server
let url: string
const received: { authorization: string | undefined; record: ColdStartRecord }[] = []
/** How many posts to answer 503 (busy) before accepting. */
let busyFor = 0
beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      if (busyFor > 0) {
        busyFor--
        return void response.writeHead(503, { 'retry-after': '1' }).end()
      }
      received.push({
        authorization: request.headers.authorization,
        record: JSON.parse(body) as ColdStartRecord,
      })
      response.writeHead(202).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/startup-reports`
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

describe('createColdStartSender', () => {
  it('is off without STARTUP_REPORT_URL, and with an invalid one', () => {
    expect(createColdStartSender({ service: 'svc', env: {} })).toBeUndefined()
    expect(
      createColdStartSender({ service: 'svc', env: { STARTUP_REPORT_URL: 'not a url' } }),
    ).toBeUndefined()
  })

  it('sends the report once ready, with the token, the instance, the version and the release', async () => {
    const sender = createColdStartSender({
      service: 'svc',
      version: '1.2.3',
      env: { STARTUP_REPORT_URL: url, STARTUP_REPORT_TOKEN: 'collector-token-0123456789', RELEASE_ID: 'r42' },
    })!
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add({ name: 'x', phase: 'a', start: () => 1 })
    sender.sendWhenReady(startup)
    await startup.run()
    await expect.poll(() => received.length).toBe(1)
    expect(received[0]).toMatchObject({
      // Given the collector's secret, the sender presents its own service's credential, never the secret.
      authorization: `Bearer ${deriveStartupReportCredential('collector-token-0123456789', 'svc')}`,
      record: {
        service: 'svc',
        version: '1.2.3',
        releaseId: 'r42',
        outcome: 'ready',
        report: { state: 'started' },
      },
    })
    expect(received[0]!.record.instance).toMatch(/:\d+$/)
  })

  it('never throws when the collector is away', async () => {
    const sender = createColdStartSender({
      service: 'svc',
      env: { STARTUP_REPORT_URL: 'http://127.0.0.1:1/x' },
    })!
    const warnings: string[] = []
    const logged = createColdStartSender({
      service: 'svc',
      env: { STARTUP_REPORT_URL: 'http://127.0.0.1:1/x' },
      log: { warn: (_object, message) => void warnings.push(message) },
    })!
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    await expect(sender.send(startup.report(), 'failed')).resolves.toBe(false)
    await expect(logged.send(startup.report(), 'failed')).resolves.toBe(false)
    expect(warnings).toEqual(['could not send the startup report to the collector'])
  })
})

describe('loadConfigOrExit', () => {
  it('fails the first phase with every bad variable, exit 3, after the report went out', async () => {
    const exits: number[] = []
    let stderr = ''
    let released = false
    const sender = createColdStartSender({ service: 'svc', env: { STARTUP_REPORT_URL: url } })!
    const before = received.length
    const config = await loadConfigOrExit(
      'svc',
      () => {
        throw new ConfigError([
          { variable: 'PORT', problem: 'must be a number' },
          { variable: 'DATABASE_URL', problem: 'must be a URL' },
        ])
      },
      {
        process: new EventEmitter() as unknown as NodeJS.Process,
        exit: (code) => void exits.push(code),
        stderr: { write: (text: string) => (stderr += text) },
        beforeExit: (report) => report && sender.send(report, 'failed'),
        onConfigError: () => (released = true),
      },
    )
    expect(config).toBeUndefined()
    expect(released).toBe(true)
    expect(exits).toEqual([3])
    expect(stderr).toContain(
      'svc: startup failed in phase "init", component "config": SERVICE_ERR_INVALID_CONFIG',
    )
    expect(stderr).toContain('  - DATABASE_URL: must be a URL')
    expect(received.length).toBe(before + 1)
    expect(received.at(-1)!.record).toMatchObject({
      outcome: 'failed',
      report: { failure: { phase: 'init', component: 'config' } },
    })
  })

  it('returns a good configuration without exiting, and throws an error that is not a ConfigError', async () => {
    const exits: number[] = []
    const exit = (code: number) => void exits.push(code)
    expect(await loadConfigOrExit('svc', () => ({ PORT: 1 }), { exit })).toEqual({ PORT: 1 })
    await expect(
      loadConfigOrExit(
        'svc',
        () => {
          throw new TypeError('a bug')
        },
        { exit },
      ),
    ).rejects.toThrow('a bug')
    expect(exits).toEqual([])
  })
})

describe('startup report credentials', () => {
  const secret = 'collector-secret-0123456789'
  it("name the service they were issued to, and only the secret's holder issues them", () => {
    const backend = deriveStartupReportCredential(secret, 'backend')
    expect(backend).toMatch(/^tsr1\.backend\.[A-Za-z0-9_-]{43}$/)
    expect(verifyStartupReportCredential(secret, backend)).toBe('backend')
    // Backend's mac under auth's name, another secret's credential, the secret itself: nothing.
    expect(verifyStartupReportCredential(secret, backend.replace('.backend.', '.auth.'))).toBeUndefined()
    expect(
      verifyStartupReportCredential(secret, deriveStartupReportCredential('another-secret-0123456', 'auth')),
    ).toBeUndefined()
    for (const bad of [secret, '', 'tsr1.backend', 'tsr1.Backend!.x', `${backend}.x`, 'tsr1..abc'])
      expect(verifyStartupReportCredential(secret, bad), bad).toBeUndefined()
  })

  it('a sender given a credential presents it as is', async () => {
    const credential = deriveStartupReportCredential(secret, 'svc')
    const sender = createColdStartSender({
      service: 'svc',
      env: { STARTUP_REPORT_URL: url, STARTUP_REPORT_TOKEN: credential },
    })!
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add({ name: 'x', phase: 'a', start: () => 1 })
    await startup.run()
    const before = received.length
    expect(await sender.send(startup.report(), 'ready')).toBe(true)
    expect(received[before]!.authorization).toBe(`Bearer ${credential}`)
  })
})

describe('a busy collector', () => {
  it('is tried again after its Retry-After, twice at most', async () => {
    const sender = createColdStartSender({ service: 'svc', env: { STARTUP_REPORT_URL: url } })!
    const startup = createStartup({ name: 'svc', phases: ['a'] })
    startup.add({ name: 'x', phase: 'a', start: () => 1 })
    await startup.run()
    const before = received.length
    busyFor = 2
    expect(await sender.send(startup.report(), 'ready')).toBe(true)
    expect(received.length).toBe(before + 1)
    busyFor = 3
    expect(await sender.send(startup.report(), 'failed')).toBe(false)
    busyFor = 0
  })
})
