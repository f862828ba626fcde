import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXIT_CODES } from '../src/exit-codes.js'
import { runCli, startCli, stopCli, type CliRun } from './cli-process.js'
import { startHealthServer, type HealthServer } from './health-servers.js'

// The exit codes through the real binary: 0 ok, 1 failed, 2 usage or config, 3 tarmac itself failed,
// 130 interrupted — the same in every command, and every command's --help says so.
const COMMANDS = [
  ['up'],
  ['monitor'],
  ['validate'],
  ['diagnose'],
  ['rehearse'],
  ['deploy'],
  ['deploy', 'check'],
  ['deploy', 'render'],
  ['deploy', 'verify'],
  ['deploy', 'credentials'],
]
const pass = { status: 200, body: { status: 'pass' } }

let server: HealthServer
let dir: string
beforeAll(async () => {
  server = await startHealthServer({
    '/ok': pass,
    '/down': { status: 503, body: { status: 'fail' } },
    '/slow': { ...pass, delayMs: 60_000 },
  })
  dir = mkdtempSync(join(tmpdir(), 'tarmac-exit-'))
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A criteria file of http checks against the test server, one per path. */
function criteria(name: string, paths: string[], timeoutMs = 120_000): string {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(
    file,
    [
      `timeoutMs: ${timeoutMs}`,
      'categories:',
      '  - name: http',
      '    checks:',
      ...paths.map((p, i) => `      - { name: check ${i + 1} ${p}, type: http, url: "${server.url}${p}" }`),
    ].join('\n'),
  )
  return file
}

describe('tarmac exit codes (the real binary)', () => {
  it('every command documents 0, 1, 2, 3 and 130 in its --help, and --help exits 0', async () => {
    for (const command of COMMANDS) {
      const { code, stdout } = await runCli([...command, '--help'], { cwd: dir })
      expect(code, command.join(' ')).toBe(EXIT_CODES.ok)
      const section = stdout.slice(stdout.indexOf('Exit codes:'))
      for (const exit of [0, 1, 2, 3, 130])
        expect(section, `${command.join(' ')} --help: exit ${exit}`).toMatch(
          new RegExp(`^  ${exit}\\s+\\S`, 'm'),
        )
    }
    const main = await runCli(['--help'])
    expect(main.code).toBe(0)
    for (const exit of [0, 1, 2, 3, 130]) expect(main.stdout).toMatch(new RegExp(`\\b${exit}\\s{2,}\\S`))
  }, 120_000)

  it('the README lists the same codes', () => {
    for (const readme of ['../README.md', '../../../README.md']) {
      const text = readFileSync(new URL(readme, import.meta.url), 'utf8')
      for (const exit of [0, 1, 2, 3, 130]) expect(text, readme).toMatch(new RegExp(`\\| \`${exit}\` +\\|`))
    }
  })

  it('0 when the gate passes, 1 when it fails', async () => {
    expect((await runCli(['validate', '-f', criteria('pass', ['/ok'])], { cwd: dir })).code).toBe(0)
    const failed = await runCli(['validate', '-f', criteria('fail', ['/ok', '/down'])], { cwd: dir })
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain('GATE FAILED')
  })

  it('2 for usage and configuration errors, in every command', async () => {
    expect((await runCli([], { cwd: dir })).code).toBe(2)
    expect((await runCli(['nope'], { cwd: dir })).code).toBe(2)
    for (const command of COMMANDS) {
      const { code, stderr } = await runCli([...command, '--no-such-option'], { cwd: dir })
      expect(code, command.join(' ')).toBe(2)
      expect(stderr).toContain('CLI_ERR_USAGE')
    }
    const missing = await runCli(['validate', '-f', join(dir, 'missing.yaml')], { cwd: dir })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('CLI_ERR_CONFIG_NOT_FOUND')
  }, 120_000)

  it('3 when tarmac itself fails: the report cannot be written', async () => {
    const result = await runCli(
      ['validate', '-f', criteria('pass', ['/ok']), '--junit', join(dir, 'no-such-dir', 'report.xml')],
      { cwd: dir },
    )
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/tarmac: internal error \(exit 3\): .*ENOENT/)
  })

  describe('130 when interrupted: an interrupted validate never passes', () => {
    let run: CliRun | undefined
    afterAll(() => stopCli(run))

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`${signal} during a check: exit 130, and the checks that never ran are named`, async () => {
        const file = criteria(`interrupt-${signal}`, ['/ok', '/slow', '/ok'])
        const junit = join(dir, `interrupted-${signal}.xml`)
        run = startCli(['validate', '-f', file, '--junit', junit], { cwd: dir })
        await run.waitFor(/✓ http\/check 1/)
        await new Promise((resolve) => setTimeout(resolve, 300)) // inside the slow check
        run.child.kill(signal)
        const { code } = await run.closed
        expect(code).toBe(130)
        expect(run.stderr()).toMatch(/interrupted; never ran: http\/check 2 \/slow, http\/check 3 \/ok/)
        expect(run.stdout()).toContain('INTERRUPTED')
        expect(run.stdout()).not.toContain('GATE PASSED')
        expect(readFileSync(junit, 'utf8')).toContain(
          '<skipped message="never ran: tarmac validate was interrupted"/>',
        )
      }, 60_000)
    }
  })
})
