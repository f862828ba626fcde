import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './cli-process.js'
import { docs, startHealthServer, type HealthServer } from './health-servers.js'

// A service (or anyone who posted to the collector) puts terminal escape sequences in what it sends: monitor and
// diagnose print it without them, through the real binary. Each sequence would do something if printed: clear
// the screen, set the window title, write the clipboard (OSC 52), make a link, move the cursor, rewrite a line.

const ESC = '\u001b'
const EVIL = `${ESC}[2J${ESC}[H${ESC}]0;pwned\u0007${ESC}]52;c;cm0gLXJmIH4=${ESC}\\${ESC}]8;;https://evil.example${ESC}\\\u009b1A\rX`
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/ // eslint-disable-line no-control-regex

const failedRecord = {
  service: 'backend',
  instance: `backend-1:42${EVIL}`,
  outcome: 'failed',
  sentAt: new Date().toISOString(),
  report: {
    service: 'backend',
    state: 'failed',
    phases: [
      {
        name: 'database',
        components: [
          {
            name: 'postgres',
            errors: [
              {
                code: `PG_ERR_TOO_MANY_CONNECTIONS${EVIL}`,
                domain: 'infrastructure',
                layer: 'postgres-capacity',
              },
            ],
          },
        ],
      },
    ],
    failure: {
      phase: `database${EVIL}`,
      component: 'postgres',
      code: 'STARTUP_ERR_DEADLINE_EXCEEDED',
      message: `sorry, too many clients already${EVIL}`,
      domain: 'infrastructure',
      layer: 'postgres-capacity',
      cause: { code: `PG_ERR_TOO_MANY_CONNECTIONS${EVIL}`, message: EVIL },
    },
  },
}

describe('terminal escapes from services never reach the terminal (the real binary)', () => {
  let service: HealthServer
  let collector: HealthServer
  let dir: string

  beforeAll(async () => {
    const failing = {
      status: 'fail',
      output: `database down${EVIL}`,
      checks: {
        [`postgres:connect${EVIL}`]: [{ status: 'fail', output: `refused${EVIL}`, observedValue: EVIL }],
      },
    }
    service = await startHealthServer({
      '/health/live': { status: 200, body: docs.pass },
      '/health/ready': { status: 503, body: failing },
      '/health/startup': { status: 200, body: docs.startupStarted },
      '/health/infrastructure': { status: 503, body: failing },
    })
    collector = await startHealthServer({
      '/health/live': { status: 200, body: docs.pass },
      '/health/ready': { status: 200, body: docs.pass },
      '/health/startup': { status: 200, body: docs.startupStarted },
      '/health/infrastructure': { status: 200, body: docs.pass },
      '/status/cold-starts': {
        status: 200,
        body: {
          windowMs: 900_000,
          services: [
            {
              service: `backend${EVIL}`,
              windowMs: 900_000,
              total: 1,
              ready: 0,
              failed: 1,
              failedByPhase: { [`database${EVIL}`]: 1 },
              lastFailure: { ...failedRecord.report.failure, at: EVIL, instance: EVIL, causeCode: EVIL },
              connectMs: { tcp: { p50: 1, p95: 2, samples: 1 } },
            },
          ],
        },
      },
      '/startup-reports': { status: 200, body: { records: [failedRecord], nextCursor: null } },
    })
    dir = mkdtempSync(join(tmpdir(), 'tarmac-escapes-'))
    writeFileSync(
      join(dir, 'tarmac.yaml'),
      ['services:', `  backend: { url: '${service.url}' }`, `  frontend: { url: '${collector.url}' }`].join(
        '\n',
      ),
    )
  })
  afterAll(async () => {
    await service?.close()
    await collector?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const clean = (text: string) => {
    expect(text).not.toMatch(CONTROLS)
    expect(text).not.toContain('\u001b')
  }

  it('tarmac monitor --once', async () => {
    const run = await runCli(['monitor', '--once', '--config', join(dir, 'tarmac.yaml')])
    expect(run.stdout).toMatch(/backend/)
    expect(run.stdout).toMatch(/COLD STARTS/)
    clean(run.stdout)
    clean(run.stderr)
  }, 60_000)

  it('tarmac diagnose', async () => {
    const run = await runCli(['diagnose', '--config', join(dir, 'tarmac.yaml')])
    expect(run.stdout.length).toBeGreaterThan(0)
    expect(run.stdout).toMatch(/too many clients|PG_ERR_TOO_MANY_CONNECTIONS|database/)
    clean(run.stdout)
    clean(run.stderr)
  }, 120_000)
})
