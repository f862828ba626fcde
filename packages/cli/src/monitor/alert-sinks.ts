import { spawn } from 'node:child_process'
import { classifyError } from '@tarmac/probe'
import { fetchHealth, isFetchFailure } from '../health/health-fetch.js'
import type { IncidentEvent } from './incident.js'

/** How one delivery ended. `error` is a class and a line, never the receiver's URL (it may hold a secret). */
export interface DeliveryOutcome {
  readonly sink: 'webhook' | 'command'
  readonly ok: boolean
  readonly attempts: number
  readonly code?: 'CLI_ERR_ALERT_WEBHOOK' | 'CLI_ERR_ALERT_COMMAND'
  readonly error?: string
}

/** Where alerts go. `deliver` never rejects. */
export interface AlertSink {
  readonly name: 'webhook' | 'command'
  deliver(event: IncidentEvent): Promise<DeliveryOutcome>
}

export interface WebhookOptions {
  readonly attempts: number
  readonly backoffMs: number
  readonly timeoutMs: number
  /** Injectable for tests of the backoff. */
  readonly sleep?: (ms: number) => Promise<void>
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

/**
 * POSTs the event as JSON. A 2xx is delivered; a network failure, a timeout, a 5xx, 408 or 429 is retried after
 * `backoffMs`, doubled each time, up to `attempts` in all; any other 4xx is not retried (the receiver refuses
 * this event, and would refuse it again).
 */
export function webhookSink(url: string, options: WebhookOptions): AlertSink {
  const sleep = options.sleep ?? sleepFor
  return {
    name: 'webhook',
    async deliver(event) {
      let last = ''
      for (let attempt = 1; attempt <= options.attempts; attempt++) {
        if (attempt > 1) await sleep(options.backoffMs * 2 ** (attempt - 2))
        const answer = await fetchHealth(url, {
          timeoutMs: options.timeoutMs,
          method: 'POST',
          json: event,
          headers: { 'user-agent': 'tarmac-monitor', accept: 'application/json' },
        })
        if (isFetchFailure(answer)) {
          last = `${answer.failure.class}: ${answer.failure.message}`
          continue
        }
        if (answer.status >= 200 && answer.status < 300)
          return { sink: 'webhook', ok: true, attempts: attempt }
        last = `HTTP ${answer.status}`
        const retryable = answer.status >= 500 || answer.status === 408 || answer.status === 429
        if (!retryable)
          return { sink: 'webhook', ok: false, attempts: attempt, code: 'CLI_ERR_ALERT_WEBHOOK', error: last }
      }
      return {
        sink: 'webhook',
        ok: false,
        attempts: options.attempts,
        code: 'CLI_ERR_ALERT_WEBHOOK',
        error: last,
      }
    },
  }
}

/**
 * Runs `command` with `sh -c`, the event as JSON on stdin and its main fields in `TARMAC_ALERT_*` variables.
 * Exit 0 is delivered; a non-zero exit, a command that cannot start, or one still running after `timeoutMs`
 * (killed) is not, and is not retried: a command is not idempotent the way a webhook receiver should be.
 */
export function commandSink(
  command: string,
  options: { timeoutMs: number; env: NodeJS.ProcessEnv },
): AlertSink {
  return {
    name: 'command',
    deliver: (event) =>
      new Promise((resolve) => {
        const failed = (error: string): DeliveryOutcome => ({
          sink: 'command',
          ok: false,
          attempts: 1,
          code: 'CLI_ERR_ALERT_COMMAND',
          error,
        })
        const child = spawn('/bin/sh', ['-c', command], {
          env: { ...options.env, ...alertEnv(event) },
          stdio: ['pipe', 'ignore', 'pipe'],
        })
        let stderr = ''
        let timedOut = false
        child.stderr.on('data', (chunk: Buffer) => {
          if (stderr.length < 500) stderr += chunk.toString('utf8')
        })
        // A command that does not read its stdin closes the pipe: that is not a failure of the command.
        child.stdin.on('error', () => {})
        child.stdin.end(`${JSON.stringify(event)}\n`)
        const timer = setTimeout(() => {
          timedOut = true
          child.kill('SIGKILL')
        }, options.timeoutMs)
        child.once('error', (error) => {
          clearTimeout(timer)
          const failure = classifyError(error, 'tcp')
          resolve(failed(`could not start: ${failure.message}`))
        })
        child.once('close', (code, signal) => {
          clearTimeout(timer)
          if (code === 0) return resolve({ sink: 'command', ok: true, attempts: 1 })
          const tail = stderr.trim().split('\n').at(-1)?.slice(0, 200)
          resolve(
            failed(
              timedOut
                ? `killed after ${options.timeoutMs} ms`
                : `exited ${code ?? signal}${tail ? `: ${tail}` : ''}`,
            ),
          )
        })
      }),
  }
}

/** The incident message's main fields as environment variables, for a command that does not parse JSON. */
export function alertEnv(event: IncidentEvent): Record<string, string> {
  return {
    TARMAC_ALERT_ID: event.id,
    TARMAC_ALERT_STATUS: event.status,
    TARMAC_ALERT_SEQUENCE: String(event.sequence),
    TARMAC_ALERT_SEVERITY: event.severity,
    TARMAC_ALERT_AT: event.at,
    TARMAC_ALERT_OPENED_AT: event.openedAt,
    TARMAC_ALERT_DOMAIN: event.verdict.domain,
    TARMAC_ALERT_LAYER: event.verdict.layer,
    TARMAC_ALERT_CONFIDENCE: event.verdict.confidence,
    TARMAC_ALERT_OWNER: event.verdict.owner,
    TARMAC_ALERT_TARGETS: event.targets.map((t) => t.target).join(','),
    TARMAC_ALERT_TITLE: event.title.slice(0, 500),
  }
}
