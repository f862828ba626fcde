import { paintFor, type CommandIo } from '../command-io.js'
import { findRoot } from '../up/up-command.js'
import { MATRIX } from './fault-matrix.js'
import { matrixResult, renderMatrix, runMatrix, summarise, type MatrixResult } from './matrix-run.js'
import { startRehearsalStack, type RehearsalStack } from './rehearsal-stack.js'
import { rehearseScenario } from './rehearse-scenario.js'
import { SCENARIOS } from './scenarios.js'

/**
 * `tarmac rehearse --matrix`: the labelled fault matrix through the diagnosis model — every scenario's evidence
 * judged, a confusion table, the share named right. With `--inject`, also each fault `tarmac rehearse` injects
 * for real (a private PostgreSQL, auth, the frontend, a backend per scenario), judged the same way and counted
 * beside the constructed ones. Exit 0 when the matrix meets its target (≥ 95 % named right, no healthy verdict on
 * a fault), 1 otherwise, 3 when the rehearsal stack could not start.
 */
export async function runMatrixCommand(
  io: CommandIo,
  options: { inject: boolean; json: boolean; fromSource: boolean },
): Promise<number> {
  const constructed = runMatrix(MATRIX).results
  const injected: MatrixResult[] = []
  if (options.inject) {
    const paint = paintFor(io, 'stderr')
    let stack: RehearsalStack
    try {
      io.stderr.write('starting the rehearsal stack: private PostgreSQL, auth, frontend (collector)…\n')
      stack = await startRehearsalStack({ root: findRoot(io.cwd), fromSource: options.fromSource })
    } catch (error) {
      io.stderr.write(
        `tarmac rehearse: the rehearsal could not start: ${error instanceof Error ? error.message : String(error)}\n`,
      )
      return 3
    }
    try {
      for (const scenario of SCENARIOS) {
        if (io.signal?.aborted) break
        io.stderr.write(`${scenario.name} (injected): ${scenario.description}… `)
        const { result, verdict } = await rehearseScenario(stack, scenario)
        const judged = matrixResult(`${scenario.name} (injected)`, 'injected', [scenario.expected], verdict)
        // A verdict on a fault that did not take effect proves nothing: it counts as missed.
        injected.push(result.injected ? judged : { ...judged, named: false })
        io.stderr.write(
          `${result.injected && judged.named ? paint('green', '✓') : paint('red', '✗')} ${judged.verdict.label}\n`,
        )
      }
    } finally {
      await stack.stop()
    }
    if (io.signal?.aborted) return 130
  }
  const report = summarise([...constructed, ...injected])
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderMatrix(report))
  return report.passed ? 0 : 1
}
