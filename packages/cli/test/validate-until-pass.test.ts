import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startCli } from './cli-process.js'
import { startHealthServer, type HealthServer } from './health-servers.js'

// `tarmac validate --until-pass` through the real binary, with short values: a service that gets fixed after a
// few attempts passes (0), one that never does times out (1), an interrupt between attempts is 130.
let server: HealthServer
let dir: string
let criteria: string
beforeAll(async () => {
  server = await startHealthServer({ '/health/ready': { status: 503, body: { status: 'fail' } } })
  dir = mkdtempSync(join(tmpdir(), 'tarmac-until-pass-'))
  criteria = join(dir, 'criteria.yaml')
  writeFileSync(
    criteria,
    [
      'timeoutMs: 2000',
      'categories:',
      '  - name: health',
      '    checks:',
      `      - { name: ready, type: http, url: "${server.url}/health/ready", critical: true }`,
    ].join('\n'),
  )
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

const failing = { status: 503, body: { status: 'fail' } }
const passing = { status: 200, body: { status: 'pass' } }

describe('tarmac validate --until-pass', () => {
  it('runs the gate again until it passes, saying each attempt, what failed and when the next is: exit 0', async () => {
    server.answers.set('/health/ready', failing)
    const run = startCli(
      ['validate', '-f', criteria, '--until-pass', '--timeout', '60s', '--interval', '500ms'],
      {
        cwd: dir,
      },
    )
    await run.waitFor(/attempt 2 failed/, 30_000)
    server.answers.set('/health/ready', passing)
    const { code } = await run.closed
    expect(code).toBe(0)
    const err = run.stderr()
    expect(err).toMatch(
      /attempt 1 failed \(0\/1 checks\); failing: health\/ready; next try in \d+ ms \(\d+ (s|min) left\)/,
    )
    expect(err).toMatch(/attempt \d+ passed \(1\/1 checks\)/)
    expect(err).toMatch(/the gate passed after \d+ attempt\(s\)/)
    expect(run.stdout()).toContain('GATE PASSED')
  }, 60_000)

  it('exits 1 when --timeout runs out before it passes', async () => {
    server.answers.set('/health/ready', failing)
    const result = await runCli(
      ['validate', '-f', criteria, '--until-pass', '--timeout', '2s', '--interval', '400ms'],
      { cwd: dir },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/attempt 2 failed/)
    expect(result.stderr).toMatch(
      /the gate had not passed when --timeout 2 s ran out \(after \d+ attempt\(s\)/,
    )
    expect(result.stdout).toContain('GATE FAILED')
    // The 2 s --timeout ended it (the line above says so); a timeout read as minutes would hit the test's 60 s.
  }, 60_000)

  it('exits 130 when interrupted between attempts', async () => {
    server.answers.set('/health/ready', failing)
    const run = startCli(
      ['validate', '-f', criteria, '--until-pass', '--timeout', '1h', '--interval', '30s'],
      {
        cwd: dir,
      },
    )
    await run.waitFor(/attempt 1 failed .*next try in \d+ s/, 30_000)
    run.child.kill('SIGINT')
    expect((await run.closed).code).toBe(130)
    expect(run.stderr()).toMatch(/interrupted during attempt 1/)
  }, 60_000)

  it('--timeout and --interval need --until-pass, and a duration: exit 2', async () => {
    expect((await runCli(['validate', '-f', criteria, '--timeout', '4h'], { cwd: dir })).code).toBe(2)
    const bad = await runCli(['validate', '-f', criteria, '--until-pass', '--interval', 'soon'], { cwd: dir })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--interval takes a duration/)
  })
})
