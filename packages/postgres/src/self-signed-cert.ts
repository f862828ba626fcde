import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface SelfSignedCert {
  /** PEM strings, for `tls.createServer({ key, cert })`. */
  key: string
  cert: string
}

/**
 * Generates a throwaway self-signed certificate for `localhost` and 127.0.0.1 with the machine's
 * `openssl` (P-256 key, valid for `days`), into `dir` if given (files `server.key`, `server.crt`).
 */
export async function createSelfSignedCert(
  options: { days?: number; dir?: string } = {},
): Promise<SelfSignedCert> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'tarmac-cert-')))
  const keyFile = join(dir, 'server.key')
  const certFile = join(dir, 'server.crt')
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(options.days ?? 30),
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ])
  const [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')])
  if (options.dir === undefined) await rm(dir, { recursive: true, force: true })
  return { key, cert }
}
