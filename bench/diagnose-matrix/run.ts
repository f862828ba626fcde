// The labelled fault matrix: every scenario's evidence through diagnose's model (diagnosisOf), the confusion
// table and the share named right; with --inject, also each fault `tarmac rehearse` injects for real (a private
// PostgreSQL, auth, the frontend, a backend per scenario, from source), counted beside the constructed ones.
// Run: npx tsx --conditions=@tarmac/source bench/diagnose-matrix/run.ts [--inject] [--label L] [--out FILE]
// Writes the run into bench/diagnose-matrix/results.json (or --out) under its label.
import { parseArgs } from 'node:util'
import { main, runMatrix, type MatrixReport } from '@tarmac/cli'
import { RUN_OPTIONS, startRun } from '../provenance.js'
import type { DiagnoseMatrixResult } from './tables.js'

const { values } = parseArgs({ options: { ...RUN_OPTIONS, inject: { type: 'boolean' } } })
const bench = startRun({ bench: 'diagnose-matrix', label: values.label, out: values.out })

async function injected(): Promise<MatrixReport> {
  let out = ''
  const code = await main(['rehearse', '--matrix', '--inject', '--json', '--source'], {
    stdout: { write: (text: string) => (out += text) },
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
  })
  if (code !== 0 && code !== 1) throw new Error(`tarmac rehearse --matrix --inject exited ${code}`)
  return JSON.parse(out) as MatrixReport
}

const report = values.inject ? await injected() : runMatrix()
const result: DiagnoseMatrixResult = { injected: values.inject ?? false, report }
await bench.finish(result)
process.stdout.write(
  `${report.faultedNamed}/${report.faulted} named right (${(report.share * 100).toFixed(1)} %), ${report.healthyOnFault} healthy on a fault\n`,
)
