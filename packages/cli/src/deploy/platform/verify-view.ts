import type { Paint } from '../../style.js'
import type { PlatformFinding } from './findings.js'

const LABELS = { ok: 'ok   ', drift: 'DRIFT', unknown: '?    ' } as const

/**
 * The report for a terminal, grouped by resource in the order read: one line per setting — `ok` with what runs,
 * `DRIFT` with the plan's value and the live one, then why it matters in a storm and the fix with its code,
 * `?` when the platform did not say — and a last line with the count.
 */
export function renderFindings(findings: readonly PlatformFinding[], header: string, paint: Paint): string {
  const lines = [header, '']
  const width = Math.min(28, Math.max(...findings.map((f) => f.subject.length), 8))
  const indent = ' '.repeat(width + 11)
  let resource: string | undefined
  for (const finding of findings) {
    if (finding.resource !== resource) {
      if (resource !== undefined) lines.push('')
      resource = finding.resource
      lines.push(paint('bold', resource))
    }
    const colour = finding.status === 'ok' ? 'green' : finding.status === 'drift' ? 'red' : 'yellow'
    const subject = finding.subject.padEnd(width)
    if (finding.status === 'drift') {
      lines.push(`  ${paint(colour, LABELS.drift)}  ${subject}  plan ${finding.plan}, live ${finding.live}`)
      lines.push(`${indent}why: ${finding.why}`)
      lines.push(`${indent}${paint('yellow', `fix: ${finding.fix}`)}  [${finding.code}]`)
    } else {
      lines.push(`  ${paint(colour, LABELS[finding.status])}  ${subject}  ${finding.live}`)
      if (finding.status === 'unknown') lines.push(`${indent}${finding.why}`)
    }
  }
  const drifts = findings.filter((f) => f.status === 'drift').length
  const unknowns = findings.filter((f) => f.status === 'unknown').length
  const unknownNote = unknowns > 0 ? `, ${unknowns} not known` : ''
  lines.push(
    '',
    drifts === 0
      ? paint('green', `what runs matches the plan: ${findings.length} settings compared${unknownNote}`)
      : paint(
          'red',
          `what runs differs from the plan: ${drifts} of ${findings.length} settings drifted${unknownNote}`,
        ),
    '',
  )
  return lines.join('\n')
}
