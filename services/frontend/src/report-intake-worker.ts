/**
 * The collector's intake thread: report bodies in, `IntakeOutcome`s out (report-intake-thread.ts starts it). A
 * separate bundle entry (`dist/report-intake-worker.js`); imported anywhere but in a worker, it does nothing.
 */
import { isMainThread, parentPort } from 'node:worker_threads'
import { intakeReport } from './report-intake.js'

export interface IntakeRequest {
  readonly id: number
  readonly body: Uint8Array
  readonly receivedAtMs: number
  readonly recordMaxBytes: number
}

if (!isMainThread && parentPort) {
  const port = parentPort
  port.on('message', (request: IntakeRequest) => {
    port.postMessage({
      id: request.id,
      outcome: intakeReport(request.body, request.receivedAtMs, request.recordMaxBytes),
    })
  })
}
