import type pg from 'pg'
import { classifyError } from './classify-error.js'
import { ProbeError, isProbeErrorClass } from './errors.js'
import { roundMs } from './phase-clock.js'
import type { PhaseTimings } from './phases.js'
import type { ProbeOptions } from './options.js'
import { connectPostgres } from './postgres-connect.js'
import type { ProbeResult } from './probe-result.js'
import { redactUrl } from './redact.js'

/** How long a probe waits for the server to acknowledge the Terminate message before destroying the socket. */
const CLOSE_GRACE_MS = 1_000

/**
 * Connects with `connectPostgres`, runs `select 1`, and closes. Phases: `dns`, `tcp` (or `socket` for a Unix
 * socket directory), `ssl` (only when the URL's sslmode negotiated SSL), `auth`, `firstQuery`. Details: `serverVersion`, `ssl`.
 * Failures carry `sqlState` when the server sent one.
 * @example const result = await probePostgres('postgres://app@db:5432/app', { timeoutMs: 10_000 })
 */
export async function probePostgres(url: string, options?: ProbeOptions): Promise<ProbeResult> {
  const startedAt = new Date()
  const startMs = performance.now()
  const target = redactUrl(url)
  try {
    const { client, timings, serverVersion } = await connectPostgres(url, {
      ...options,
      applicationName: 'tarmac-probe',
    })
    await closeClient(client)
    const phases: PhaseTimings =
      timings.transport === 'unix'
        ? { socket: timings.socketMs ?? 0 }
        : { dns: timings.dnsMs, tcp: timings.tcpMs }
    if (client.ssl) phases.ssl = timings.sslMs
    phases.auth = timings.authMs
    phases.firstQuery = timings.firstQueryMs
    return {
      kind: 'postgres',
      target,
      ok: true,
      totalMs: timings.totalMs,
      phases,
      startedAt: startedAt.toISOString(),
      details: { serverVersion, ssl: Boolean(client.ssl) },
    }
  } catch (error) {
    if (error instanceof ProbeError && !isProbeErrorClass(error.code)) throw error
    const failure = classifyError(error, error instanceof ProbeError ? (error.phase ?? 'dns') : 'dns')
    const phases = error instanceof ProbeError ? (error.phases ?? {}) : {}
    const totalMs = roundMs(performance.now() - startMs)
    return {
      kind: 'postgres',
      target,
      ok: false,
      totalMs,
      phases,
      startedAt: startedAt.toISOString(),
      error: failure,
    }
  }
}

/** Ends the session politely, but never waits more than CLOSE_GRACE_MS for the server to hang up. */
async function closeClient(client: pg.Client): Promise<void> {
  client.on('error', () => undefined)
  let timer: NodeJS.Timeout | undefined
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))
  await Promise.race([client.end().catch(() => undefined), grace])
  clearTimeout(timer)
  client.connection.stream.destroy()
}
