import type { ValidationReport } from './run-criteria.js'

/**
 * The report as JUnit XML (the schema CI systems read: one `<testsuite>` per category, one `<testcase>` per
 * check, a `<failure>` with the class as `type`).
 */
export function toJunit(report: ValidationReport): string {
  const categories = new Map<string, ValidationReport['checks']>()
  /** Per category: the checks that did not run, and why (interrupted, or a service the config does not have). */
  const notRun = new Map<string, { name: string; why: string }[]>()
  for (const check of report.checks)
    categories.set(check.category, [...(categories.get(check.category) ?? []), check])
  const never = [
    ...report.notRun.map((id) => ({ id, why: 'never ran: tarmac validate was interrupted' })),
    ...report.skipped.map(({ check, reason }) => ({ id: check, why: `skipped: ${reason}` })),
  ]
  for (const { id, why } of never) {
    const [category = '', ...name] = id.split('/')
    notRun.set(category, [...(notRun.get(category) ?? []), { name: name.join('/'), why }])
    if (!categories.has(category)) categories.set(category, [])
  }
  const failures = report.checks.filter((c) => !c.passed).length
  const skippedTotal = never.length
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tarmac validate" tests="${report.checks.length + skippedTotal}" failures="${failures}" errors="0" time="${seconds(report.durationMs)}">`,
  ]
  for (const [category, checks] of categories) {
    const failed = checks.filter((c) => !c.passed).length
    const skipped = notRun.get(category) ?? []
    const time = checks.reduce((sum, c) => sum + c.durationMs, 0)
    lines.push(
      `  <testsuite name="${xml(category)}" tests="${checks.length + skipped.length}" failures="${failed}" errors="0" skipped="${skipped.length}" time="${seconds(time)}" timestamp="${report.startedAt.slice(0, 19)}">`,
    )
    for (const check of checks) {
      const open = `    <testcase classname="${xml(category)}" name="${xml(check.name)}" time="${seconds(check.durationMs)}"`
      if (check.passed) {
        lines.push(`${open}/>`)
        continue
      }
      const message = `${check.errorClass ?? 'FAILED'} (${check.faultDomain ?? 'unknown'}/${check.faultLayer ?? 'unknown'}): ${check.message ?? ''}`
      lines.push(`${open}>`)
      lines.push(
        `      <failure type="${xml(check.errorClass ?? 'FAILED')}" message="${xml(message)}">${xml(detail(check))}</failure>`,
      )
      lines.push('    </testcase>')
    }
    // Interrupted before they ran, or not configured: skipped, with the reason, so CI never reads them as passed.
    for (const { name, why } of skipped)
      lines.push(
        `    <testcase classname="${xml(category)}" name="${xml(name)}" time="0.000">`,
        `      <skipped message="${xml(why)}"/>`,
        '    </testcase>',
      )
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>', '')
  return lines.join('\n')
}

function detail(check: ValidationReport['checks'][number]): string {
  return [
    `critical: ${check.critical}`,
    `fault domain: ${check.faultDomain ?? 'unknown'}`,
    `fault layer: ${check.faultLayer ?? 'unknown'}`,
    `samples: ${check.samples}, failed: ${check.failedSamples}`,
    `p${check.percentile}: ${check.observedMs ?? '–'} ms${check.maxMs === null ? '' : ` (bound ${check.maxMs} ms)`}`,
  ].join('\n')
}

const seconds = (ms: number) => (ms / 1000).toFixed(3)

function xml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  )
}
