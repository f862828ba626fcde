// Reads vitest's JUnit report and prints the closing line CI looks for.
import { readFileSync, existsSync } from 'node:fs'

const file = process.argv[2] ?? 'test-results/junit.xml'
if (!existsSync(file)) {
  console.log('0 passed, 1 failed')
  process.exit(0)
}
const xml = readFileSync(file, 'utf8')
const cases = xml.match(/<testcase\b[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g) ?? []
let failed = 0
let skipped = 0
for (const c of cases) {
  if (/<(failure|error)\b/.test(c)) failed++
  else if (/<skipped\b/.test(c)) skipped++
}
const passed = cases.length - failed - skipped
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
