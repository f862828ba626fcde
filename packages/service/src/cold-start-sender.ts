import { hostname } from 'node:os'
import type { Startup, StartupReport } from '@tarmac/startup'
import { z } from 'zod'
import { deriveStartupReportCredential, isStartupReportCredential } from './cold-start-credential.js'

/** How a cold start ended, as the collector files it. */
export const COLD_START_OUTCOMES = ['ready', 'failed'] as const
export type ColdStartOutcome = (typeof COLD_START_OUTCOMES)[number]

/** What an instance sends: its identity and its whole startup report (messages already redacted). */
export interface ColdStartRecord {
  readonly service: string
  /** Which instance: `K_REVISION`/`HOSTNAME`-like identity plus the pid. */
  readonly instance: string
  readonly version?: string
  readonly releaseId?: string
  readonly outcome: ColdStartOutcome
  readonly sentAt: string
  readonly report: StartupReport
}

/**
 * The environment every service reads to send its cold starts: `STARTUP_REPORT_URL` (the collector, e.g.
 * `http://frontend:3000/startup-reports`; unset = send nothing), `STARTUP_REPORT_TOKEN` (this service's
 * credential `tsr1.<service>.<mac>`, from `deriveStartupReportCredential`; given the collector's secret instead,
 * the sender derives its own credential from it — that works, but a service that holds the secret could derive
 * another's), `RELEASE_ID` (what is deployed). Read raw, not through the service's config: a service whose
 * config is wrong must still report that it failed.
 */
export const coldStartEnvSchema = z.object({
  STARTUP_REPORT_URL: z.url({ protocol: /^https?$/ }).optional(),
  STARTUP_REPORT_TOKEN: z.string().min(16).optional(),
  RELEASE_ID: z.string().max(128).optional(),
})

export interface ColdStartSender {
  /** Posts the record; resolves when delivered or given up (never throws: evidence must not break startup). */
  send(report: StartupReport, outcome: ColdStartOutcome): Promise<boolean>
  /** Sends `ready` when startup completes (ready or degraded). Returns the function that stops listening. */
  sendWhenReady(startup: Startup): () => void
}

export interface ColdStartSenderOptions {
  readonly service: string
  readonly version?: string
  /** Default: the process environment. */
  readonly env?: Record<string, string | undefined>
  /** Per send. Default 2 000. */
  readonly timeoutMs?: number
  readonly log?: { warn(object: object, message: string): void }
}

/**
 * The sending half of the cold-start recorder: after becoming ready, and before exiting 3, an instance posts
 * its startup report to a collector that needs no database and outlives it (the frontend). Returns undefined
 * when `STARTUP_REPORT_URL` is unset or invalid.
 * @example
 * const sender = createColdStartSender({ service: 'backend', version })
 * sender?.sendWhenReady(startup)
 * await runMain(startup, { beforeExit: (report) => report && sender?.send(report, 'failed') })
 */
export function createColdStartSender(options: ColdStartSenderOptions): ColdStartSender | undefined {
  const parsed = coldStartEnvSchema.safeParse(options.env ?? process.env)
  if (!parsed.success || parsed.data.STARTUP_REPORT_URL === undefined) return undefined
  const { STARTUP_REPORT_URL: url, STARTUP_REPORT_TOKEN: token, RELEASE_ID: releaseId } = parsed.data
  // The collector files the record under the service its credential names, never under the body's `service`.
  const credential =
    token === undefined || isStartupReportCredential(token)
      ? token
      : deriveStartupReportCredential(token, options.service)
  const instance = `${process.env.K_REVISION ?? hostname()}:${process.pid}`
  const timeoutMs = options.timeoutMs ?? 2_000
  const sender: ColdStartSender = {
    async send(report, outcome) {
      const record: ColdStartRecord = {
        service: options.service,
        instance,
        ...(options.version !== undefined && { version: options.version }),
        ...(releaseId !== undefined && { releaseId }),
        outcome,
        sentAt: new Date().toISOString(),
        report,
      }
      const body = JSON.stringify(record)
      const post = async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(credential !== undefined && { authorization: `Bearer ${credential}` }),
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        })
        await response.arrayBuffer()
        return response
      }
      try {
        let response = await post()
        // A collector busy with other reports (a fleet cold-starting at once) says when to come back: twice more,
        // jittered, so the evidence of a fleet-wide cold start is not lost to its own burst.
        for (let retry = 0; response.status === 503 && retry < 2; retry++) {
          const afterMs = Math.min(Number(response.headers.get('retry-after')) || 1, 2) * 1_000
          await new Promise((resolve) => setTimeout(resolve, afterMs * (0.5 + Math.random() / 2)))
          response = await post()
        }
        if (!response.ok) throw new Error(`the collector answered ${response.status}`)
        return true
      } catch (error) {
        options.log?.warn(
          { err: { message: error instanceof Error ? error.message : String(error) }, outcome },
          'could not send the startup report to the collector',
        )
        return false
      }
    },
    sendWhenReady(startup) {
      return startup.on((event) => {
        if (event.type === 'startup.completed') void sender.send(startup.report(), 'ready')
      })
    },
  }
  return sender
}
