import type { Paint } from '../style.js'
import { renderTable } from '../style.js'
import type { ValidationReport } from './run-criteria.js'

/** The human report: one row per check, then the gate's verdict. */
export function renderReport(report: ValidationReport, paint: Paint): string {
  const rows = report.checks.map((c) => [
    c.passed ? paint('green', 'PASS') : paint('red', 'FAIL'),
    `${c.category}/${c.name}${c.critical ? paint('yellow', ' *') : ''}`,
    `${c.samples - c.failedSamples}/${c.samples}`,
    c.observedMs === null
      ? '–'
      : `p${c.percentile} ${c.observedMs} ms${c.maxMs === null ? '' : ` ≤ ${c.maxMs}`}`,
    c.passed
      ? ''
      : `${c.errorClass ?? ''} [${c.faultDomain ?? 'unknown'}/${c.faultLayer ?? 'unknown'}] ${c.message ?? ''}`,
  ])
  const table = renderTable(['RESULT', 'CHECK (* critical)', 'SAMPLES', 'TIME', 'WHY'], rows)
  const passed = report.checks.filter((c) => c.passed).length
  const rate = `${passed}/${report.checks.length} checks passed (${(report.passRate * 100).toFixed(1)} %, threshold ${(report.threshold * 100).toFixed(0)} %)`
  const critical =
    report.criticalFailed.length > 0 ? `; critical failed: ${report.criticalFailed.join(', ')}` : ''
  if (report.interrupted)
    return `${table}\n\n${paint('red', 'INTERRUPTED')}: not a verdict — ${report.notRun.length} check(s) never ran: ${report.notRun.join(', ') || '(none)'}; ${rate}\n`
  const verdict = report.passed ? paint('green', 'GATE PASSED') : paint('red', 'GATE FAILED')
  const skipped =
    report.skipped.length > 0
      ? `\n${paint('dim', 'skipped')}: ${report.skipped.map((s) => `${s.check} (${s.reason})`).join(', ')}`
      : ''
  return `${table}${skipped}\n\n${verdict}: ${rate}${critical}\n`
}
