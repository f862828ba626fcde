// The closing line CI looks for: `N passed, N failed[, N skipped]`, from vitest's JUnit report.
//
//   node .ci/summary.mjs [test-results/junit.xml] [--exit-code N] [--unhandled FILE]
//
// Failed counts failed tests, test files that failed to load or whose hooks failed (vitest reports each as a
// failed testcase, and in each <testsuite>'s failures/errors — the larger count wins, so a failure without a
// message is still one), and the run's unhandled errors (--unhandled: the JSON the run-errors reporter writes,
// default test-results/unhandled-errors.json next to the report). A run that exited non-zero never reads
// "0 failed": with nothing else to count, it is 1 failed, and the line says why.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const args = process.argv.slice(2)
const option = (name) => {
  const at = args.indexOf(name)
  if (at === -1) return undefined
  const [value] = args.splice(at, 2).slice(1)
  return value
}
const exitCode = Number(option('--exit-code') ?? 0)
const file = args[0] ?? 'test-results/junit.xml'
const unhandledFile = option('--unhandled') ?? join(dirname(file), 'unhandled-errors.json')

/** Counts from the JUnit XML: per <testsuite>, its testcases and its own failures/errors attributes. */
export function countJunit(xml) {
  let passed = 0
  let failed = 0
  let skipped = 0
  const attr = (tag, name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(tag)?.[1] ?? 0)
  const suites = [...xml.matchAll(/<testsuite\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testsuite>)/g)]
  for (const [, open, body = ''] of suites) {
    const cases = body.match(/<testcase\b[^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g) ?? []
    const failedCases = cases.filter((c) => /<(failure|error)\b/.test(c)).length
    const skippedCases = cases.filter((c) => !/<(failure|error)\b/.test(c) && /<skipped\b/.test(c)).length
    // An error reported on the suite itself (outside any testcase) counts too.
    const outside = body.replace(/<testcase\b[^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g, '')
    const suiteErrors = (outside.match(/<(failure|error)\b/g) ?? []).length
    const suiteFailed = Math.max(failedCases + suiteErrors, attr(open, 'failures') + attr(open, 'errors'))
    const total = Math.max(cases.length, attr(open, 'tests'))
    failed += suiteFailed
    skipped += skippedCases
    passed += Math.max(0, total - suiteFailed - skippedCases)
  }
  return { passed, failed, skipped, suites: suites.length }
}

/** The closing line; `notes` say what was counted beyond failed tests. */
export function summarise({ xml, exitCode = 0, unhandledErrors = 0 }) {
  if (xml === undefined)
    return { line: '0 passed, 1 failed', notes: ['no JUnit report: the test run did not finish'] }
  const counts = countJunit(xml)
  const notes = []
  let failed = counts.failed + unhandledErrors
  if (unhandledErrors > 0) notes.push(`${unhandledErrors} unhandled error(s) counted as failed`)
  if (exitCode !== 0 && failed === 0) {
    failed = 1
    notes.push(`vitest exited ${exitCode} with no failed test in the report: counted as 1 failed`)
  }
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : ''
  return { line: `${counts.passed} passed, ${failed} failed${skipped}`, notes }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const xml = existsSync(file) ? readFileSync(file, 'utf8') : undefined
  let unhandledErrors = 0
  if (existsSync(unhandledFile)) {
    try {
      unhandledErrors = Number(JSON.parse(readFileSync(unhandledFile, 'utf8')).unhandledErrors) || 0
    } catch {
      unhandledErrors = 1 // the reporter's file is there but unreadable: something went wrong
    }
  }
  const { line, notes } = summarise({ xml, exitCode, unhandledErrors })
  for (const note of notes) console.error(`[ci] ${note}`)
  console.log(line)
}
