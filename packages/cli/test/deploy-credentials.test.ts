import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { deriveStartupReportCredential, verifyStartupReportCredential } from '@tarmac/service'
import { EXIT_CODES } from '../src/exit-codes.js'
import { REPO_ROOT, TARMAC_BIN } from './cli-process.js'

// `tarmac deploy credentials` through the real binary: the collector's secret goes in on stdin (or a named
// variable), never on the command line; out comes the one service's credential the frontend's collector accepts.
const SECRET = 'c0llector-secret-for-the-test-0123456789'

/** `tarmac deploy credentials <args>` with `stdin` piped in (closed at once when undefined). */
function credentials(args: readonly string[], stdin = '', env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [TARMAC_BIN, 'deploy', 'credentials', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdin.end(stdin)
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  )
}

describe('tarmac deploy credentials', () => {
  it("prints the service's credential from the secret on stdin, and only it", async () => {
    const backend = await credentials(['--service', 'backend'], `${SECRET}\n`)
    expect(backend).toMatchObject({ code: EXIT_CODES.ok, stderr: '' })
    expect(backend.stdout).toBe(`${deriveStartupReportCredential(SECRET, 'backend')}\n`)
    // The collector (holding the secret) files what it sends under backend, and nothing else.
    expect(verifyStartupReportCredential(SECRET, backend.stdout.trim())).toBe('backend')
    expect(backend.stdout).not.toContain(SECRET)
  })

  it('reads the secret from the variable --secret-env names instead', async () => {
    const auth = await credentials(['-s', 'auth', '--secret-env', 'COLLECTOR_SECRET'], '', {
      COLLECTOR_SECRET: SECRET,
    })
    expect(auth.code).toBe(EXIT_CODES.ok)
    expect(verifyStartupReportCredential(SECRET, auth.stdout.trim())).toBe('auth')
  })

  it.each([
    [['--service', 'backend'], '', /CLI_ERR_USAGE: no secret in standard input/],
    [['--service', 'backend'], 'too-short\n', /has 9 characters; the collector takes at least 16/],
    [['--service', 'backend'], `${SECRET}\n${SECRET}\n`, /more than one line/],
    [['--service', 'frontend'], SECRET, /the frontend is the collector: it holds the secret itself/],
    [['--service', 'backnd'], SECRET, /unknown --service "backnd": credentials are for backend, auth/],
    [[], SECRET, /--service is required/],
    // Never on the command line, where ps and the shell's history keep it.
    [['--service', 'backend', '--secret', SECRET], '', /CLI_ERR_USAGE: Unknown option '--secret'/],
    [
      ['--service', 'backend', '--secret-env', 'UNSET_FOR_THE_TEST'],
      '',
      /UNSET_FOR_THE_TEST: the variable is not set/,
    ],
  ])('%j with %j on stdin: exit 2, a clear message, nothing printed', async (args, stdin, message) => {
    const { code, stdout, stderr } = await credentials(args, stdin)
    expect(code).toBe(EXIT_CODES.usage)
    expect(stdout).toBe('')
    expect(stderr).toMatch(message)
    // The message never repeats what was read.
    if (!args.includes('--secret')) expect(stderr).not.toContain(SECRET)
    expect(stderr).not.toContain('too-short')
  })
})
