import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type Server } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import type { IncidentEvent } from '../src/monitor/incident.js'
import type { MonitorSnapshot } from '../src/monitor/monitor.js'
import { judgedExpiry } from '../src/monitor/tls-expiry-check.js'
import { startAlertReceiver, type AlertReceiver } from './alert-receiver.js'
import { captureIo } from './capture-io.js'

let dir: string
let receiver: AlertReceiver
const servers: Server[] = []

/** A real TLS server on loopback whose certificate (self-signed, made by openssl) is valid for `days` days. */
async function serveCertificate(name: string, days: number): Promise<number> {
  const [key, cert] = [join(dir, `${name}.key`), join(dir, `${name}.crt`)]
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      String(days),
      '-subj',
      `/CN=${name}.test`,
    ],
    { stdio: 'ignore' },
  )
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) => socket.end())
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tarmac-tls-'))
  receiver = await startAlertReceiver()
  // `-days 4` expires in 3 whole days and some hours: days left are counted down (3), never rounded up.
  const [soon, fine] = [await serveCertificate('soon', 4), await serveCertificate('fine', 90)]
  writeFileSync(
    join(dir, 'tarmac.yaml'),
    [
      'certificates:',
      `  soon: { host: 127.0.0.1, port: ${soon}, minDaysLeft: 14, verify: false }`,
      `  fine: { host: 127.0.0.1, port: ${fine}, minDaysLeft: 14, verify: false }`,
      `  checked: { host: 127.0.0.1, port: ${fine} }`,
    ].join('\n'),
  )
})
afterAll(async () => {
  await receiver.close()
  for (const server of servers) server.close()
})

describe('tarmac monitor: TLS certificate expiry', () => {
  it('warns for a certificate with 3 days left under a 14-day threshold, and passes a valid one', async () => {
    const io = captureIo(dir)
    const code = await main(['monitor', '--once', '--json', '--alert-webhook', receiver.url], io)
    const snapshot = JSON.parse(io.out()) as MonitorSnapshot & { incidents: IncidentEvent[] }
    const row = (id: string) => snapshot.targets.find((t) => t.target === id)!
    expect(row('soon certificate')).toMatchObject({
      kind: 'tls',
      status: 'up',
      degraded: true,
      last: {
        state: 'pass',
        code: 'CLI_ERR_TLS_CERT_EXPIRING',
        faultDomain: 'infrastructure',
        faultLayer: 'tls',
        phases: { tls: expect.any(Number) },
      },
    })
    expect(row('soon certificate').last!.message).toMatch(
      /^the certificate of soon\.test expires in 3 days \(\d{4}-.*\), under the 14-day threshold$/,
    )
    expect(row('fine certificate')).toMatchObject({ status: 'up', degraded: false, last: { state: 'pass' } })
    expect(row('fine certificate').last!.message).toMatch(
      /^the certificate of fine\.test is valid for 8\d days/,
    )
    // Verified by default: a certificate no trusted CA signed fails the handshake.
    expect(row('checked certificate')).toMatchObject({
      status: 'down',
      lastError: { state: 'fail', faultLayer: 'tls' },
    })
    expect(code).toBe(1)
    // The warning is an alert: one incident, a warning, for whoever owns certificates.
    expect(receiver.bodies).toMatchObject([
      {
        kind: 'incident',
        status: 'opened',
        targets: expect.arrayContaining([
          expect.objectContaining({ target: 'soon certificate', condition: 'degraded' }),
        ]),
        verdict: { domain: 'infrastructure', layer: 'tls' },
      },
    ])
  })

  it('judges an expired certificate down, and one without an expiry as passing', () => {
    const probe = {
      kind: 'tls' as const,
      target: 'old.test:443',
      ok: true,
      totalMs: 3,
      phases: { tls: 1 },
      startedAt: '2026-12-07T10:00:00.000Z',
      details: { subject: 'old.test', validTo: '2026-12-01T00:00:00.000Z', daysUntilExpiry: -7 },
    }
    expect(judgedExpiry(probe, 14)).toMatchObject({
      state: 'fail',
      code: 'CLI_ERR_TLS_CERT_EXPIRED',
      faultDomain: 'infrastructure',
      faultLayer: 'tls',
      message: 'the certificate of old.test expired on 2026-12-01T00:00:00.000Z',
    })
    expect(judgedExpiry({ ...probe, details: {} }, 14)).toMatchObject({ state: 'pass' })
    expect(judgedExpiry({ ...probe, details: { daysUntilExpiry: 14 } }, 14)).toMatchObject({
      state: 'pass',
    })
    expect(judgedExpiry({ ...probe, details: { daysUntilExpiry: 13 } }, 14)).toMatchObject({
      degraded: true,
    })
  })

  it('rejects a certificate without a host, pointing at the line', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'certificates:\n  site: { port: 443, minDays: 3 }\n')
    const io = captureIo(dir)
    expect(await main(['monitor', '--once', '--config', 'bad.yaml'], io)).toBe(2)
    expect(io.err()).toContain('CLI_ERR_CONFIG_INVALID')
    expect(io.err()).toMatch(/bad\.yaml:2:\d+: certificates\.site/)
  })
})
